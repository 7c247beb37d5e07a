"""Time passing for the OpsGenie sandbox's alerts reaches the product, in both regions: after an
emulated hour in which one alert is acknowledged, another closed and new ones raised (what
changed is read from the emulator's own summary of the hour), a scheduled run stores each as
upstream now holds it, reading only what changed, and the details stream then holds the
acknowledgement's and the close's log entries."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from alerts.models import Alert, AlertLog
from integrations.models import Connection, SyncTrigger
from integrations.providers.opsgenie.mapping import alert_record
from integrations.sandbox.server import SandboxServer
from integrations.sync.engine import sync_connection
from tests.alerts.conftest import NOW
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db


def run_sync(connection: Connection, trigger: str):  # type: ignore[no-untyped-def]
    run = sync_connection(connection_id=connection.pk, trigger=trigger, sleep=lambda s: None)
    assert run is not None
    run.refresh_from_db()
    return run


def connect(upstream: SandboxServer, region: str) -> Connection:
    return make_connection(region=region, api_key=getattr(upstream.keys, f"opsgenie_{region}"))


@pytest.mark.parametrize("region", ["us", "eu"])
def test_a_scheduled_run_after_an_hour_stores_the_new_acknowledged_and_closed_alerts(
    upstream: SandboxServer, region: str
) -> None:
    connection = connect(upstream, region)
    first = run_sync(connection, SyncTrigger.MANUAL)
    held = len(upstream.opsgenie_alerts[region].snapshot())
    assert first.counts["alerts"]["created"] == held

    changed: dict[str, Any] = upstream.advance(provider="opsgenie", region=region)["alerts"]
    run = run_sync(connection, SyncTrigger.SCHEDULE)

    truth = {alert["id"]: alert for alert in upstream.opsgenie_alerts[region].snapshot()}
    rows = {row.upstream_id: row for row in Alert.objects.filter(connection=connection)}
    assert set(rows) == set(truth)
    (acknowledged,) = changed["acknowledged"]
    (closed,) = changed["closed"]
    assert changed["created"]
    for upstream_id in [acknowledged, closed, *changed["created"]]:
        record, row = alert_record(truth[upstream_id]), rows[upstream_id]
        assert (row.status, row.acknowledged, row.tiny_id, row.message) == (
            record.status,
            record.acknowledged,
            record.tiny_id,
            record.message,
        )
        assert (row.updated_at, row.last_occurred_at) == (
            record.updated_at,
            record.last_occurred_at,
        )
    assert (rows[acknowledged].status, rows[acknowledged].acknowledged) == ("open", True)
    assert rows[acknowledged].acknowledged_by == truth[acknowledged]["report"]["acknowledgedBy"]
    assert rows[closed].status == "closed" and rows[closed].closed_at is not None
    assert rows[closed].closed_by == truth[closed]["report"]["closedBy"]
    assert all(
        (rows[i].status, rows[i].acknowledged) == ("open", False) for i in changed["created"]
    )

    # Only what changed was read: one page of the listing by updatedAt, not the 250 alerts.
    counts = run.counts["alerts"]
    assert run.kind == "incremental"
    assert counts["http_calls"] == 1
    assert counts["fetched"] == len(changed["created"]) + 2
    assert (counts["created"], counts["updated"], counts["deleted"]) == (
        len(changed["created"]),
        2,
        0,
    )


@pytest.fixture
def small(settings) -> Iterator[SandboxServer]:  # type: ignore[no-untyped-def]
    """Few alerts, and a details bound above them: every alert's details are read each run."""
    server = SandboxServer(seed=11, incidents=5, users=8, now=NOW, alerts=30).start()
    settings.OPSGENIE_BASE_URLS = {region: server.opsgenie_url(region) for region in ("us", "eu")}
    settings.OPSGENIE_ALERT_DETAILS_PER_RUN = 50
    settings.UPSTREAM_TIMEOUT_SECONDS = 2
    yield server
    server.stop()


def test_the_next_run_reads_the_changed_alerts_logs_who_acknowledged_and_closed_them(
    small: SandboxServer,
) -> None:
    connection = connect(small, "eu")
    run_sync(connection, SyncTrigger.MANUAL)

    changed = small.advance(provider="opsgenie", region="eu")["alerts"]
    run = run_sync(connection, SyncTrigger.SCHEDULE)

    truth = {alert["id"]: alert for alert in small.opsgenie_alerts["eu"].snapshot()}
    (acknowledged,) = changed["acknowledged"]
    (closed,) = changed["closed"]
    # The changed and the new alerts' details (logs, notes, recipients: a call each, one page
    # here), not the others' again; nothing read before is gone.
    details = run.counts["alert_details"]
    assert (details["http_calls"], details["deleted"]) == (3 * (len(changed["created"]) + 2), 0)
    for upstream_id, verb, by in (
        (acknowledged, "acknowledged", "acknowledgedBy"),
        (closed, "closed", "closedBy"),
    ):
        row = Alert.objects.get(connection=connection, upstream_id=upstream_id)
        logs = AlertLog.objects.filter(alert=row, removed_upstream_at=None)
        who = truth[upstream_id]["report"][by]
        assert f"Alert {verb} by {who}" in {log.log for log in logs}
    for upstream_id in changed["created"]:
        row = Alert.objects.get(connection=connection, upstream_id=upstream_id)
        created = AlertLog.objects.get(alert=row, log__startswith="Alert created via")
        assert created.log == f"Alert created via {truth[upstream_id]['integration']['name']}"
