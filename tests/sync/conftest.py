from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from incidents.models import Incident
from integrations.models import Connection
from integrations.providers.opsgenie.mapping import incident_record
from integrations.sandbox.server import SandboxServer
from integrations.sync.engine import sync_connection
from tests.conftest import make_connection
from tests.pagerduty import conftest as pagerduty

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def upstream(settings):  # type: ignore[no-untyped-def]
    """A fresh emulator per test: these tests change its data."""
    server = SandboxServer(seed=5, incidents=250, users=5, now=NOW).start()
    settings.OPSGENIE_BASE_URLS = {region: server.opsgenie_url(region) for region in ("us", "eu")}
    settings.UPSTREAM_TIMEOUT_SECONDS = 2
    yield server
    server.stop()


@pytest.fixture
def connection(upstream, db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection(api_key=upstream.keys.opsgenie_us)


def run_sync(connection: Connection, *, full: bool = False, **kwargs):  # type: ignore[no-untyped-def]
    waits: list[float] = []
    run = sync_connection(
        connection_id=connection.pk, trigger="manual", full=full, sleep=waits.append, **kwargs
    )
    assert run is not None
    run.refresh_from_db()
    run.waits = waits
    return run


def _truth(upstream: SandboxServer) -> dict[str, object]:
    return {raw["id"]: incident_record(raw) for raw in upstream.opsgenie_stores["us"].incidents()}


def assert_store_equals_upstream(upstream: SandboxServer, connection: Connection) -> None:
    """Every upstream incident stored exactly once with its current values; nothing else live."""
    truth = _truth(upstream)
    rows = {row.upstream_id: row for row in Incident.objects.filter(connection=connection)}
    live = {i for i, row in rows.items() if not row.deleted_upstream}
    assert live == set(truth)
    assert_rows_match_upstream(upstream, connection, set(truth))


def assert_rows_match_upstream(
    upstream: SandboxServer, connection: Connection, upstream_ids: set[str]
) -> None:
    truth = _truth(upstream)
    rows = {row.upstream_id: row for row in Incident.objects.filter(connection=connection)}
    for upstream_id in upstream_ids:
        record = truth[upstream_id]
        row = rows[upstream_id]
        assert (row.status, row.priority, row.title, row.number) == (
            record.status,
            record.priority,
            record.title,
            record.number,
        )
        assert row.impact_end == record.impact_end


def snapshot() -> list[tuple]:  # type: ignore[type-arg]
    """Every stored incident's identity and content: equal before and after means untouched."""
    return list(
        Incident.objects.order_by("id").values_list(
            "id", "upstream_id", "content_hash", "deleted_upstream"
        )
    )


@dataclass
class World:
    """One provider's emulator and a connection to it."""

    name: str
    provider: str
    upstream: SandboxServer
    connection: Connection
    equals_upstream: Callable[[SandboxServer, Connection], None]

    def advance(self, **options: Any) -> dict[str, Any]:
        return self.upstream.advance(provider=self.provider, **options)

    def assert_equals_upstream(self) -> None:
        self.equals_upstream(self.upstream, self.connection)


@pytest.fixture(params=["opsgenie", "pagerduty"])
def world(request, settings, db) -> Iterator[World]:  # type: ignore[no-untyped-def]
    settings.UPSTREAM_TIMEOUT_SECONDS = 2
    if request.param == "opsgenie":
        server = SandboxServer(seed=5, incidents=250, users=5, now=NOW).start()
        settings.OPSGENIE_BASE_URLS = {r: server.opsgenie_url(r) for r in ("us", "eu")}
        connection = make_connection(api_key=server.keys.opsgenie_us)
        yield World("OpsGenie", "opsgenie", server, connection, assert_store_equals_upstream)
    else:
        server = SandboxServer(seed=5, incidents=5, users=5, pagerduty_incidents=250).start()
        pagerduty.point_at(server, settings)
        connection = make_connection(provider="pagerduty", api_key=server.keys.pagerduty_us)
        yield World(
            "PagerDuty", "pagerduty", server, connection, pagerduty.assert_store_equals_upstream
        )
    server.stop()
