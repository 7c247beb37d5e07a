"""An incident's notes, log and timeline on its page (newest first, escaped), "not read yet"
told apart from "none upstream", the store's re-reads, and every role reading but not writing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.entry_models import IncidentEntry
from incidents.entry_store import IncidentDetailsStore
from incidents.models import Incident
from integrations.incident_entry_records import EntryKind, IncidentDetailsRecord
from integrations.incident_entry_records import IncidentEntry as E
from integrations.models import Connection, SyncRun
from tests.conftest import make_connection, make_incident

pytestmark = pytest.mark.django_db
START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def pagerduty(db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection(provider="pagerduty")


def record(
    incident: Incident, notes: int = 1, logs: int = 2, text: str = ""
) -> IncidentDetailsRecord:
    logs_ = [
        E(EntryKind.LOG, f"L{n}", "System", START + timedelta(hours=n), f"Log entry {n}")
        for n in range(logs)
    ]
    notes_ = [
        E(
            EntryKind.NOTE,
            f"N{n}",
            "ana",
            START + timedelta(minutes=n),
            text or f"<b>restart</b> & {n}",
        )
        for n in range(notes)
    ]
    entries = [*logs_, *notes_]
    return IncidentDetailsRecord(
        upstream_id=incident.upstream_id, found=True, entries=tuple(entries)
    )


def page(client, incident: Incident) -> str:  # type: ignore[no-untyped-def]
    return client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()


def test_the_page_shows_entries_newest_first_and_escaped(admin_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    incident = make_incident(pagerduty, 1, entries_wanted_at=START)
    IncidentDetailsStore().save(connection=pagerduty, records=[record(incident, logs=3)])

    shown = page(admin_client, incident)

    assert shown.index("Log entry 2") < shown.index("Log entry 1") < shown.index("Log entry 0")
    assert "&lt;b&gt;restart&lt;/b&gt; &amp; 0" in shown and "<b>restart" not in shown
    assert "Notes, log and timeline in PagerDuty" in shown
    assert "not read yet" not in shown.lower() and "None upstream" not in shown


def test_not_read_yet_is_told_apart_from_none_upstream(admin_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    waiting = [make_incident(pagerduty, n, entries_wanted_at=START) for n in (1, 2, 3)]
    SyncRun.objects.create(
        connection=pagerduty, trigger="manual", kind="incremental", outcome="succeeded",
        started_at=START, heartbeat_at=START,
        counts={"incident_details": {"per_run": 200, "pending": 3}},
    )  # fmt: skip

    pending = page(admin_client, waiting[0])
    assert "Notes, log and timeline not read yet: pending" in pending
    assert "3 incidents waiting, at most 200 read a sync, oldest first" in pending
    assert "Not read yet." in pending

    store = IncidentDetailsStore()
    store.save(connection=pagerduty, records=[record(waiting[1], notes=0, logs=0)])
    empty = page(admin_client, waiting[1])
    assert "not read yet" not in empty.lower() and "None upstream." in empty

    gone = IncidentDetailsRecord(upstream_id=waiting[2].upstream_id, found=False)
    store.save(connection=pagerduty, records=[gone])
    Incident.objects.filter(pk=waiting[2].pk).update(deleted_upstream=True)
    assert "not read: the incident was gone upstream" in page(admin_client, waiting[2])


def test_a_long_backlog_is_counted_up_to_a_bound(admin_client, pagerduty, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Every incident page counts the waiting incidents: past the bound it says "more than",
    so a connection whose whole history waits does not cost a full count per page."""
    monkeypatch.setattr("integrations.sync.details.COUNTED", 3)
    waiting = [make_incident(pagerduty, n, entries_wanted_at=START) for n in range(1, 6)]

    assert "more than 3 incidents waiting" in page(admin_client, waiting[0])
    Incident.objects.filter(pk__in=[i.pk for i in waiting[3:]]).update(entries_wanted_at=None)
    assert "(3 incidents waiting" in page(admin_client, waiting[0])


def test_a_note_reporting_data_loss_sets_the_mention_and_the_page_asks_for_assessment(
    admin_client, pagerduty
) -> None:  # type: ignore[no-untyped-def]
    incident = make_incident(pagerduty, 1, title="Checkout slow", entries_wanted_at=START)
    text = "Sorry: 40 records were exposed <script>x</script>"
    counts = IncidentDetailsStore().save(
        connection=pagerduty, records=[record(incident, notes=1, text=text)]
    )

    incident.refresh_from_db()
    assert counts.judged == 1
    assert incident.notes_mention == incident.data_loss_mention == text
    shown = page(admin_client, incident)
    assert "reports data loss for this incident" in shown
    assert "&lt;script&gt;x&lt;/script&gt;" in shown and "<script>x" not in shown

    incident.description = "edited by a person"
    incident.save()  # the model's own save keeps the notes' mention too
    assert Incident.objects.get(pk=incident.pk).data_loss_mention == text


def test_a_re_read_writes_only_what_changed_and_flags_what_is_gone(pagerduty) -> None:  # type: ignore[no-untyped-def]
    incident = make_incident(pagerduty, 1)
    store = IncidentDetailsStore()
    first = store.save(connection=pagerduty, records=[record(incident, notes=2, logs=3)])
    assert (first.created, first.updated) == (5, 0)
    same = store.save(connection=pagerduty, records=[record(incident, notes=2, logs=3)])
    assert (same.created, same.updated, same.deleted, same.unchanged) == (0, 0, 0, 5)

    fewer = store.save(connection=pagerduty, records=[record(incident, notes=1, logs=4)])

    assert (fewer.created, fewer.updated, fewer.deleted) == (1, 0, 1)
    assert IncidentEntry.objects.get(key="N1").removed_upstream_at is not None
    assert IncidentEntry.objects.filter(incident=incident, kind="log").count() == 4


def test_the_page_costs_the_same_queries_however_many_entries(admin_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    few, many = make_incident(pagerduty, 1), make_incident(pagerduty, 2)
    store = IncidentDetailsStore()
    store.save(connection=pagerduty, records=[record(few, notes=1, logs=1)])
    store.save(connection=pagerduty, records=[record(many, notes=40, logs=300)])

    with CaptureQueriesContext(db_connection) as small:
        page(admin_client, few)
    with CaptureQueriesContext(db_connection) as large:
        page(admin_client, many)

    assert len(large) == len(small)


@pytest.mark.parametrize("who", ["auditor_client", "staff_client"])
def test_every_role_reads_them_and_nothing_is_writable(request, pagerduty, who: str) -> None:  # type: ignore[no-untyped-def]
    client = request.getfixturevalue(who)
    incident = make_incident(pagerduty, 1)
    IncidentDetailsStore().save(connection=pagerduty, records=[record(incident)])
    before = list(IncidentEntry.objects.values_list("id", "text", "removed_upstream_at"))

    assert "&lt;b&gt;restart&lt;/b&gt;" in page(client, incident)
    assert client.post(
        reverse("incidents:detail", args=[incident.pk]), {"text": "x"}
    ).status_code in (403, 405)
    assert list(IncidentEntry.objects.values_list("id", "text", "removed_upstream_at")) == before
