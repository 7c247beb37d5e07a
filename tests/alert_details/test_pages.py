"""An alert's logs, notes and recipients on its Data library page, and the backlog's notes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alerts.detail_store import AlertDetailsStore
from alerts.models import Alert, AlertLog, AlertNote, AlertRecipient
from integrations.alert_detail_records import (
    AlertDetailsRecord,
    AlertLogEntry,
    AlertNoteEntry,
    AlertRecipientEntry,
)
from integrations.models import Connection, SyncRun
from tests.alerts.test_pages import START, make_alert
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def opsgenie(db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection()


def details(alert: Alert, logs: int = 2, notes: int = 1) -> AlertDetailsRecord:
    return AlertDetailsRecord(
        upstream_id=alert.upstream_id,
        found=True,
        logs=tuple(
            AlertLogEntry(f"k{n}", f"Log entry {n}", "system", "System", START + timedelta(hours=n))
            for n in range(logs)
        ),
        notes=tuple(
            AlertNoteEntry(f"n{n}", f"<b>restart</b> & wait {n}", "ana@example.com", START)
            for n in range(notes)
        ),
        recipients=(
            AlertRecipientEntry("u1", "ana@example.com", "acknowledged", "SMS", True, START, START),
        ),
    )


def page(client, alert: Alert) -> str:  # type: ignore[no-untyped-def]
    return client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()


def test_the_page_shows_logs_newest_first_notes_escaped_and_recipients(
    admin_client, opsgenie
) -> None:  # type: ignore[no-untyped-def]
    alert = make_alert(opsgenie, 1, details_wanted_at=START)
    AlertDetailsStore().save(connection=opsgenie, records=[details(alert, logs=3)])

    shown = page(admin_client, alert)

    assert shown.index("Log entry 2") < shown.index("Log entry 1") < shown.index("Log entry 0")
    assert "&lt;b&gt;restart&lt;/b&gt; &amp; wait 0" in shown and "<b>restart" not in shown
    assert "ana@example.com" in shown and "acknowledged" in shown
    assert "not read yet" not in shown and "None upstream" not in shown


def test_not_read_yet_is_told_apart_from_none_upstream(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    waiting = [make_alert(opsgenie, n, details_wanted_at=START) for n in (1, 2, 3)]
    counts = {"alert_details": {"per_run": 200, "pending": 3}}
    SyncRun.objects.create(
        connection=opsgenie, trigger="manual", kind="incremental", outcome="succeeded",
        started_at=START, heartbeat_at=START, counts=counts,
    )  # fmt: skip

    pending = page(admin_client, waiting[0])
    assert "Logs, notes and recipients not read yet: pending" in pending
    assert "3 alerts waiting, at most 200 read a sync" in pending

    AlertDetailsStore().save(connection=opsgenie, records=[details(waiting[1], logs=0, notes=0)])
    empty = page(admin_client, waiting[1])
    assert "not read yet" not in empty and empty.count("None upstream.") == 2  # logs and notes

    listed = admin_client.get(reverse("alerts:list")).content.decode()
    assert '<span id="details-backlog">2 alerts waiting</span>' in listed
    assert "for at most 200 alerts a sync" in listed


def test_a_long_backlog_is_counted_up_to_a_bound(admin_client, opsgenie, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The alerts list and an alert's page count the waiting alerts on every view: past the
    bound they say "more than" instead of counting them all."""
    monkeypatch.setattr("integrations.sync.details.COUNTED", 3)
    waiting = [make_alert(opsgenie, n, details_wanted_at=START) for n in range(1, 6)]

    assert "(more than 3 alerts waiting" in page(admin_client, waiting[0])
    listed = admin_client.get(reverse("alerts:list")).content.decode()
    assert '<span id="details-backlog">more than 3 alerts waiting</span>' in listed
    Alert.objects.filter(pk__in=[a.pk for a in waiting[3:]]).update(details_wanted_at=None)
    assert "(3 alerts waiting" in page(admin_client, waiting[0])


def test_the_page_costs_the_same_queries_however_many_details(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    few, many = make_alert(opsgenie, 1), make_alert(opsgenie, 2)
    store = AlertDetailsStore()
    store.save(connection=opsgenie, records=[details(few, logs=1, notes=1)])
    store.save(connection=opsgenie, records=[details(many, logs=300, notes=40)])

    with CaptureQueriesContext(db_connection) as small:
        page(admin_client, few)
    with CaptureQueriesContext(db_connection) as large:
        page(admin_client, many)

    assert len(large) == len(small)


def test_a_re_read_writes_only_what_changed_and_flags_what_is_gone(opsgenie) -> None:  # type: ignore[no-untyped-def]
    alert = make_alert(opsgenie, 1)
    store = AlertDetailsStore()
    first = store.save(connection=opsgenie, records=[details(alert, logs=3, notes=2)])
    assert (first.created, first.updated) == (6, 0)
    same = store.save(connection=opsgenie, records=[details(alert, logs=3, notes=2)])
    assert (same.created, same.updated, same.deleted, same.unchanged) == (0, 0, 0, 6)

    fewer = store.save(connection=opsgenie, records=[details(alert, logs=4, notes=1)])

    assert (fewer.created, fewer.updated, fewer.deleted) == (1, 0, 1)
    assert AlertNote.objects.get(offset="n1").removed_upstream_at is not None
    assert AlertLog.objects.filter(alert=alert).count() == 4


@pytest.mark.parametrize("who", ["auditor_client", "staff_client"])
def test_every_role_reads_them_and_nothing_is_writable(request, opsgenie, who: str) -> None:  # type: ignore[no-untyped-def]
    client = request.getfixturevalue(who)
    alert = make_alert(opsgenie, 1)
    AlertDetailsStore().save(connection=opsgenie, records=[details(alert)])
    before = list(AlertRecipient.objects.values_list("id", "state", "updated_at"))

    assert "ana@example.com" in page(client, alert)
    for url in (reverse("alerts:detail", args=[alert.pk]), reverse("alerts:list")):
        assert client.post(url, {"state": "closed"}).status_code in (403, 405)
    assert list(AlertRecipient.objects.values_list("id", "state", "updated_at")) == before
    assert Alert.objects.get(pk=alert.pk).details_read_at <= timezone.now()
