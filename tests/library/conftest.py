from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from integrations.models import Connection
from integrations.providers.opsgenie.sandbox.store import OpsGenieStore
from integrations.sandbox.server import SandboxServer
from tests.conftest import make_connection

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def upstream(settings) -> Iterator[SandboxServer]:  # type: ignore[no-untyped-def]
    """A fresh emulator per test (tests remove configuration objects from it)."""
    server = SandboxServer(seed=11, incidents=5, users=12, now=NOW, alerts=0).start()
    settings.OPSGENIE_BASE_URLS = {region: server.opsgenie_url(region) for region in ("us", "eu")}
    settings.UPSTREAM_TIMEOUT_SECONDS = 2
    yield server
    server.stop()


@pytest.fixture
def us_store(upstream: SandboxServer) -> OpsGenieStore:
    return upstream.opsgenie_stores["us"]


@pytest.fixture
def connection(upstream, db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection(api_key=upstream.keys.opsgenie_us)
