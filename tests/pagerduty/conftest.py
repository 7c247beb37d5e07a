"""PagerDuty connections synced by the engine against the emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from incidents.models import Incident
from integrations.models import Connection, ProviderService
from integrations.providers.pagerduty.mapping import incident_record
from integrations.records import IncidentRecord
from integrations.sandbox.server import SandboxServer
from tests.conftest import make_connection

PD_INCIDENTS = 250


def point_at(server: SandboxServer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PAGERDUTY_BASE_URLS = {region: server.pagerduty_url(region) for region in ("us", "eu")}
    settings.UPSTREAM_TIMEOUT_SECONDS = 2


@pytest.fixture
def upstream(settings) -> Iterator[SandboxServer]:  # type: ignore[no-untyped-def]
    """A fresh emulator per test (these tests change its data), today as its clock: windows
    end at our own clock, so the account's time must not run ahead of it."""
    server = SandboxServer(seed=5, incidents=5, users=5, pagerduty_incidents=PD_INCIDENTS).start()
    point_at(server, settings)
    yield server
    server.stop()


@pytest.fixture
def connection(upstream, db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection(provider="pagerduty", api_key=upstream.keys.pagerduty_us)


def truth(
    upstream: SandboxServer, service_ids: set[str] | None = None
) -> dict[str, IncidentRecord]:
    return {
        raw["id"]: incident_record(raw)
        for raw in upstream.pagerduty_stores["us"].incidents()
        if service_ids is None or raw["service"]["id"] in service_ids
    }


def assert_store_equals_upstream(
    upstream: SandboxServer, connection: Connection, service_ids: set[str] | None = None
) -> None:
    """Every upstream incident (of the picked services) stored once, current; nothing else live."""
    expected = truth(upstream, service_ids)
    rows = {row.upstream_id: row for row in Incident.objects.filter(connection=connection)}
    assert len(rows) == Incident.objects.filter(connection=connection).count()
    assert {i for i, row in rows.items() if not row.deleted_upstream} == set(expected)
    assert_rows_match_upstream(upstream, connection, set(expected))


def assert_rows_match_upstream(
    upstream: SandboxServer, connection: Connection, upstream_ids: set[str]
) -> None:
    expected = truth(upstream)
    rows = {row.upstream_id: row for row in Incident.objects.filter(connection=connection)}
    for upstream_id in upstream_ids:
        record, row = expected[upstream_id], rows[upstream_id]
        assert (row.status, row.raw_status, row.priority, row.title, row.number) == (
            record.status,
            record.raw_status,
            record.priority,
            record.title,
            record.number,
        )
        assert (row.resolved_at, list(row.services)) == (record.resolved_at, list(record.services))


def assert_services_equal_upstream(upstream: SandboxServer, connection: Connection) -> None:
    listed = {s["id"]: s for s in upstream.pagerduty_stores["us"].services()}
    rows = {s.upstream_id: s for s in ProviderService.objects.filter(connection=connection)}
    assert {i for i, row in rows.items() if not row.deleted_upstream} == set(listed)
    for upstream_id, raw in listed.items():
        row = rows[upstream_id]
        assert (row.name, row.status, row.description) == (
            raw["name"],
            raw["status"],
            raw["description"],
        )
