"""Emulators of both providers, fresh per test (these tests change their data), and a connection
to each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from integrations.models import Connection, SyncRun
from integrations.sandbox.server import SandboxServer
from integrations.sync.engine import sync_connection
from tests.conftest import make_connection

NOW = datetime(2026, 6, 1, tzinfo=UTC)
INCIDENTS = 30
BOUND = 12  # the tests' bound: 30 incidents need three runs


@pytest.fixture(autouse=True)
def bound(settings) -> None:  # type: ignore[no-untyped-def]
    settings.INCIDENT_DETAILS_PER_RUN = BOUND


@pytest.fixture
def upstream(settings) -> Iterator[SandboxServer]:  # type: ignore[no-untyped-def]
    server = SandboxServer(
        seed=11, incidents=INCIDENTS, users=8, now=NOW, pagerduty_incidents=INCIDENTS
    ).start()
    settings.OPSGENIE_BASE_URLS = {region: server.opsgenie_url(region) for region in ("us", "eu")}
    settings.PAGERDUTY_BASE_URLS = {region: server.pagerduty_url(region) for region in ("us", "eu")}
    settings.UPSTREAM_TIMEOUT_SECONDS = 2
    yield server
    server.stop()


@pytest.fixture
def opsgenie(upstream, db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection(api_key=upstream.keys.opsgenie_us)


@pytest.fixture
def pagerduty(upstream, db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection(provider="pagerduty", api_key=upstream.keys.pagerduty_us)


def run_sync(connection: Connection, **kwargs: Any) -> SyncRun:
    run = sync_connection(
        connection_id=connection.pk, trigger="manual", sleep=lambda s: None, **kwargs
    )
    assert run is not None
    run.refresh_from_db()
    return run
