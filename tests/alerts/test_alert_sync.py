"""The alerts stream against the OpsGenie sandbox: what a sync stores, what a resync rewrites,
and what a scheduled run catches."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.models import Alert
from integrations.models import Connection, SyncOutcome
from integrations.providers.opsgenie.mapping import alert_record
from integrations.sandbox.server import SandboxServer
from integrations.sync.engine import sync_connection

from .conftest import ALERTS

pytestmark = pytest.mark.django_db


def run_sync(connection: Connection, *, full: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
    run = sync_connection(
        connection_id=connection.pk, trigger="manual", full=full, sleep=lambda s: None, **kwargs
    )
    assert run is not None
    run.refresh_from_db()
    return run


def upstream_alerts(upstream: SandboxServer) -> dict[str, dict]:
    return {alert["id"]: alert for alert in upstream.opsgenie_alerts["us"].snapshot()}


def assert_store_equals_upstream(upstream: SandboxServer, connection: Connection) -> None:
    """Every upstream alert stored once with its current values; nothing else live."""
    truth = upstream_alerts(upstream)
    rows = {row.upstream_id: row for row in Alert.objects.filter(connection=connection)}
    assert {i for i, row in rows.items() if not row.deleted_upstream} == set(truth)
    for upstream_id, raw in truth.items():
        record = alert_record(raw)
        row = rows[upstream_id]
        assert (row.status, row.acknowledged, row.count, row.message, row.tiny_id) == (
            record.status,
            record.acknowledged,
            record.count,
            record.message,
            record.tiny_id,
        )


def untouched() -> list[tuple]:  # type: ignore[type-arg]
    return list(Alert.objects.order_by("id").values_list("id", "content_hash", "changed_at"))


def test_the_first_sync_stores_exactly_the_upstreams_alerts(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run = run_sync(connection)

    assert run.outcome == SyncOutcome.SUCCEEDED
    assert run.counts["alerts"]["created"] == ALERTS
    assert run.counts["alerts"]["http_calls"] == 3  # 250 alerts at 100 a page
    assert_store_equals_upstream(upstream, connection)
    row = Alert.objects.get(upstream_id=next(iter(upstream_alerts(upstream))))
    assert row.raw["id"] == row.upstream_id and "report" in row.raw


def test_a_sync_through_429s_ends_with_exactly_the_upstreams_alerts(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    throttled = []
    # The incidents' notes are read between the incidents and the alerts: off here, so the 429s
    # fall on the alerts' first calls.
    connection.streams_off = ["incident_details"]
    connection.save(update_fields=["streams_off"])

    def throttle_before_the_alerts(run) -> None:  # type: ignore[no-untyped-def]
        # Once the incidents (one page here) are stored, before the alerts stream's first call,
        # the next calls answer 429: pages read ahead would have taken them otherwise.
        if not throttled and run.counts.get("incidents", {}).get("fetched"):
            throttled.append(upstream.faults.set(rate_limit=3))

    run = run_sync(connection, on_progress=throttle_before_the_alerts)

    assert throttled and run.outcome == SyncOutcome.SUCCEEDED
    assert run.counts["alerts"]["retries"] == 3
    assert Alert.objects.count() == ALERTS
    assert_store_equals_upstream(upstream, connection)


def test_a_resync_with_nothing_changed_writes_nothing(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    before = untouched()

    for full in (False, True):
        counts = run_sync(connection, full=full).counts["alerts"]
        assert (counts["created"], counts["updated"], counts["deleted"]) == (0, 0, 0)

    assert untouched() == before


def test_a_scheduled_sync_catches_new_acknowledged_and_closed_alerts(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    from integrations.providers.opsgenie.sandbox.alerts import Caller

    run_sync(connection)
    store = upstream.opsgenie_alerts["us"]
    still_open = [a for a in store.snapshot() if a["status"] == "open"]
    caller = Caller("integration", "test")
    store.act("r1", "Acknowledge", store.find(still_open[0]["id"]), "", caller)
    store.act("r2", "Close", store.find(still_open[1]["id"]), "", caller)
    store.create("r3", {"message": "Disk full on db-1", "alias": "disk-db-1"}, caller)

    run = run_sync(connection)

    counts = run.counts["alerts"]
    assert run.kind == "incremental"
    assert (counts["created"], counts["updated"], counts["deleted"]) == (1, 2, 0)
    assert_store_equals_upstream(upstream, connection)
    closed = Alert.objects.get(upstream_id=still_open[1]["id"])
    assert closed.status == "closed" and closed.closed_at is not None


def test_a_full_sync_flags_an_alert_deleted_upstream_and_keeps_it(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    store = upstream.opsgenie_alerts["us"]
    with store.lock:
        gone = store.alerts.pop(10)

    scheduled = run_sync(connection).counts["alerts"]
    full = run_sync(connection, full=True).counts["alerts"]

    row = Alert.objects.get(upstream_id=gone["id"])
    assert scheduled["deleted"] == 0 and full["deleted"] == 1
    assert row.deleted_upstream and row.deleted_upstream_at is not None
    assert_store_equals_upstream(upstream, connection)


def test_the_sync_card_says_how_many_alerts_are_stored_and_links_them(
    upstream, connection, admin_client
) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    run_sync(connection)

    card = admin_client.get(reverse("integrations:sync-status", args=["opsgenie"])).content.decode()

    assert "Alerts stored" in card
    assert f'{reverse("alerts:list")}?connection={connection.pk}">{ALERTS}<' in card
