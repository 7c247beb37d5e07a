from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.sandbox.server import SandboxServer
from tests.sandbox.support import INCIDENTS, NOW, SEED, USERS


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer(seed=SEED, incidents=INCIDENTS, users=USERS, now=NOW).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _faults_do_not_leak(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").faults.clear()
