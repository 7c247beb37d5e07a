"""A scheduled alerts run against the OpsGenie sandbox reads what changed since the last good
run's start (``sort=updatedAt``), not every open alert: what it costs, and what it never loses."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.models import Alert
from incidents.models import Incident
from integrations.models import Connection, SyncRun
from integrations.providers.opsgenie.sandbox.alerts import AlertStore, Caller
from integrations.sandbox.server import SandboxServer
from tests.conftest import make_connection

from .conftest import NOW
from .test_alert_sync import assert_store_equals_upstream, run_sync

pytestmark = pytest.mark.django_db

CALLER = Caller("integration", "test")


def act(store: AlertStore, action: str, alert: dict[str, Any]) -> None:
    store.act(f"{action}-{alert['id']}", action, store.find(alert["id"]), "", CALLER)


def synced_then(upstream: SandboxServer, connection: Connection, action: str):  # type: ignore[no-untyped-def]
    """After a first sync, an open alert gets ``action`` upstream: (the store, the alert)."""
    store = upstream.opsgenie_alerts["us"]
    run_sync(connection)
    alert = next(alert for alert in store.snapshot() if alert["status"] == "open")
    act(store, action, alert)
    return store, alert


def test_a_resync_with_nothing_changed_costs_the_same_calls_at_ten_times_the_alerts(
    settings,
) -> None:  # type: ignore[no-untyped-def]
    calls, written, still_open = {}, {}, {}
    for size in (200, 2000):
        with SandboxServer(seed=11, incidents=5, users=8, now=NOW, alerts=size) as server:
            settings.OPSGENIE_BASE_URLS = {"us": server.opsgenie_url("us")}
            connection = make_connection(api_key=server.keys.opsgenie_us)
            run_sync(connection)
            counts = run_sync(connection).counts["alerts"]
            calls[size] = counts["http_calls"]
            written[size] = counts["created"] + counts["updated"] + counts["deleted"]
            still_open[size] = Alert.objects.filter(connection=connection, status="open").count()
            # Its evidence is protected from deletion with the connection: gone first.
            Alert.objects.all().delete()
            Incident.objects.all().delete()
            connection.delete()

    assert calls == {200: 1, 2000: 1}
    assert written == {200: 0, 2000: 0}
    # Re-reading the open alerts (100 a page) would have cost more at the larger size.
    assert still_open[2000] > 100 >= still_open[200]


def test_an_alert_acknowledged_then_closed_upstream_is_updated_by_the_next_scheduled_run(
    upstream, connection
) -> None:  # type: ignore[no-untyped-def]
    store, alert = synced_then(upstream, connection, "Acknowledge")

    acknowledged = run_sync(connection).counts["alerts"]
    row = Alert.objects.get(upstream_id=alert["id"])
    assert (row.acknowledged, row.status) == (True, "open")
    act(store, "Close", alert)
    closed = run_sync(connection).counts["alerts"]

    row.refresh_from_db()
    assert (row.acknowledged, row.status) == (True, "closed")
    assert (acknowledged["updated"], acknowledged["http_calls"]) == (1, 1)
    assert (closed["updated"], closed["http_calls"]) == (1, 1)
    assert_store_equals_upstream(upstream, connection)


def test_an_alert_updated_while_the_changes_are_paged_is_read_by_the_run_after(
    upstream, connection
) -> None:  # type: ignore[no-untyped-def]
    store, moved = synced_then(upstream, connection, "Acknowledge")
    for n in range(150):  # newer changes than the acknowledgement: it is on the second page
        store.create(f"new{n}", {"message": f"Disk full on db-{n}"}, CALLER)
    listings = []
    snapshot = store.snapshot

    def close_it_once_the_first_page_is_answered() -> list[dict[str, Any]]:
        listings.append(1)
        if len(listings) == 2:  # it moves to the front of the listing, behind our position
            act(store, "Close", moved)
        return snapshot()

    store.snapshot = close_it_once_the_first_page_is_answered  # type: ignore[method-assign]

    during = run_sync(connection).counts["alerts"]
    missed = Alert.objects.get(upstream_id=moved["id"])
    after = run_sync(connection).counts["alerts"]

    # The run it moved during could not see it (nor its acknowledgement)...
    assert (during["created"], missed.acknowledged, missed.status) == (150, False, "open")
    # ...the next one reads from that run's start, before the move: it is not lost (the new
    # alerts, within the overlap, are read again and left as they are: two pages).
    assert (after["created"], after["updated"], after["http_calls"]) == (0, 1, 2)
    assert Alert.objects.get(upstream_id=moved["id"]).status == "closed"
    assert_store_equals_upstream(upstream, connection)


def test_without_a_watermark_a_scheduled_run_reads_the_open_alerts_and_leaves_one(
    upstream, connection: Connection
) -> None:  # type: ignore[no-untyped-def]
    _store, alert = synced_then(upstream, connection, "Close")
    # Runs from before watermarks were kept (or one that resumed a failed full scan).
    for run in SyncRun.objects.all():
        run.counts["alerts"].pop("watermark")
        run.save(update_fields=["counts"])

    fallback = run_sync(connection)
    changes = run_sync(connection)

    assert fallback.counts["alerts"]["updated"] == 1
    assert fallback.counts["alerts"]["http_calls"] > 1  # new ones, and the open listing
    assert changes.counts["alerts"]["watermark"] == changes.started_at.isoformat()
    assert changes.counts["alerts"]["http_calls"] == 1
    assert Alert.objects.get(upstream_id=alert["id"]).status == "closed"
