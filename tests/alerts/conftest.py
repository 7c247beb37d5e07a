from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from integrations.models import Connection
from integrations.sandbox.server import SandboxServer
from tests.conftest import make_connection

NOW = datetime(2026, 6, 1, tzinfo=UTC)
ALERTS = 250


@pytest.fixture
def upstream(settings) -> Iterator[SandboxServer]:  # type: ignore[no-untyped-def]
    """A fresh emulator per test (these tests change its alerts): few incidents, 250 alerts."""
    server = SandboxServer(seed=11, incidents=20, users=8, now=NOW, alerts=ALERTS).start()
    settings.OPSGENIE_BASE_URLS = {region: server.opsgenie_url(region) for region in ("us", "eu")}
    settings.UPSTREAM_TIMEOUT_SECONDS = 2
    yield server
    server.stop()


@pytest.fixture
def connection(upstream, db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection(api_key=upstream.keys.opsgenie_us)
