"""The alert details stream against the OpsGenie sandbox: what a sync reads, the bound across
runs, what a re-read writes, and a failure that stays the stream's own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert, AlertLog, AlertNote, AlertRecipient
from integrations.http import ErrorKind, UpstreamError
from integrations.models import Connection, SyncOutcome
from integrations.providers.opsgenie.alert_details import OpsgenieAlertDetails
from integrations.providers.opsgenie.sandbox.alerts import Caller
from integrations.sync.engine import sync_connection
from tests.alerts.conftest import ALERTS

pytestmark = pytest.mark.django_db
BOUND = 200  # the production bound (ALERTS_PER_RUN); 250 alerts need two runs


@pytest.fixture(autouse=True)
def bound(settings) -> None:  # type: ignore[no-untyped-def]
    settings.OPSGENIE_ALERT_DETAILS_PER_RUN = BOUND


def run_sync(connection: Connection, **kwargs: Any):  # type: ignore[no-untyped-def]
    run = sync_connection(
        connection_id=connection.pk, trigger="manual", sleep=lambda s: None, **kwargs
    )
    assert run is not None
    run.refresh_from_db()
    return run


def stored_rows() -> list[tuple]:  # type: ignore[type-arg]
    return [
        *AlertLog.objects.order_by("id").values_list("id", "offset", "log", "removed_upstream_at"),
        *AlertNote.objects.order_by("id").values_list(
            "id", "offset", "note", "removed_upstream_at"
        ),
        *AlertRecipient.objects.order_by("id").values_list("id", "user_id", "state", "updated_at"),
    ]


def test_the_bound_holds_and_the_next_run_reads_the_rest_oldest_first(
    upstream, connection, admin_client
) -> None:  # type: ignore[no-untyped-def]
    first = run_sync(connection)
    history = admin_client.get(reverse("integrations:sync-history", args=["opsgenie"]))
    assert "(at most 200 records' details a run; 50 still waiting)" in history.content.decode()

    counts = first.counts["alert_details"]
    assert first.outcome == SyncOutcome.SUCCEEDED
    assert (counts["per_run"], counts["pending"]) == (BOUND, ALERTS - BOUND)
    assert counts["http_calls"] == 3 * BOUND  # logs, notes, recipients: one page each here
    read = Alert.objects.filter(details_read_at__isnull=False)
    assert read.count() == BOUND
    # Oldest waiting first: all new in one run, so by id, i.e. the order they were stored.
    assert set(read.values_list("id", flat=True)) == set(
        Alert.objects.order_by("id").values_list("id", flat=True)[:BOUND]
    )

    second = run_sync(connection).counts["alert_details"]

    assert (second["pending"], second["http_calls"]) == (0, 3 * (ALERTS - BOUND))
    assert not Alert.objects.filter(details_read_at__isnull=True).exists()
    assert AlertLog.objects.count() == counts["created"] + second["created"] - (
        AlertNote.objects.count() + AlertRecipient.objects.count()
    )


def test_the_stored_history_is_the_upstreams(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    run_sync(connection)
    store = upstream.opsgenie_alerts["us"]
    alert = next(a for a in store.snapshot() if a["status"] == "closed")
    row = Alert.objects.get(upstream_id=alert["id"])

    logs = list(AlertLog.objects.filter(alert=row).order_by("offset").values_list("log", flat=True))

    assert logs[0].startswith("Alert created via ")
    assert f"Alert closed by {alert['report']['closedBy']}" in logs
    assert AlertRecipient.objects.filter(alert=row).exists()


def test_only_new_or_changed_alerts_are_read_again_and_unchanged_ones_write_nothing(
    upstream, connection
) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    run_sync(connection)
    before = stored_rows()

    quiet = run_sync(connection).counts["alert_details"]
    assert (quiet["fetched"], quiet["http_calls"], quiet["pending"]) == (0, 0, 0)

    # Read again although nothing changed upstream: not one row is written.
    Alert.objects.filter(connection=connection).update(details_wanted_at=timezone.now())
    again = run_sync(connection).counts["alert_details"]
    assert again["fetched"] > 0 and (again["created"], again["updated"], again["deleted"]) == (
        0,
        0,
        0,
    )
    assert stored_rows() == before

    store = upstream.opsgenie_alerts["us"]
    open_alert = next(a for a in store.snapshot() if not a["acknowledged"])
    store.act("r1", "Acknowledge", store.find(open_alert["id"]), "", Caller("i", "test"))
    store.create("r2", {"message": "Disk full on db-1", "alias": "disk-db-1"}, Caller("i", "test"))
    Alert.objects.update(details_wanted_at=None)

    changed = run_sync(connection).counts["alert_details"]

    assert changed["http_calls"] == 3 * 2  # the acknowledged alert and the new one only
    acked = Alert.objects.get(upstream_id=open_alert["id"])
    assert AlertLog.objects.filter(alert=acked, log="Alert acknowledged by System").exists()


def test_a_failing_alert_fails_only_its_stream_and_waits_at_the_back(
    upstream, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    read = OpsgenieAlertDetails.__call__
    # The first stored (the oldest: a first sync reads oldest first), so the first read.
    first = upstream.opsgenie_alerts["us"].snapshot()[0]["id"]

    def fail_on_the_first(self: OpsgenieAlertDetails, upstream_id: str):  # type: ignore[no-untyped-def]
        if upstream_id == first:
            raise UpstreamError(ErrorKind.MALFORMED, message="a log entry that is not JSON")
        return read(self, upstream_id)

    monkeypatch.setattr(OpsgenieAlertDetails, "__call__", fail_on_the_first)
    started = timezone.now() - timedelta(seconds=1)
    run = run_sync(connection)

    assert run.outcome == SyncOutcome.PARTIAL
    assert "Alert details could not be read" in run.error
    assert run.counts["alerts"]["created"] == ALERTS and "error" not in run.counts["alerts"]
    assert run.counts["alert_details"]["pending"] == ALERTS
    oldest = Alert.objects.get(upstream_id=first)
    assert oldest.details_wanted_at > started
    assert Alert.objects.order_by("details_wanted_at", "id").last() == oldest

    monkeypatch.setattr(OpsgenieAlertDetails, "__call__", read)
    assert run_sync(connection).counts["alert_details"]["pending"] == ALERTS - BOUND
    oldest.refresh_from_db()
    assert oldest.details_read_at is None  # its turn comes after the 249 that waited before it
