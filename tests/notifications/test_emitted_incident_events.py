"""Incidents, as the notification channels hear of them: a new incident a sync stores (not the
first sync's backfill, not one created long before, not one of a service not chosen) and its
resolution (the close of the same alias); a data-loss report that comes to say Yes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from incidents.models import Incident
from incidents.store import NEW_INCIDENT_WITHIN, IncidentStore
from integrations.models import Connection, SyncOutcome, SyncRun
from integrations.records import IncidentRecord, IncidentStatus, Priority
from integrations.sandbox.server import SandboxServer
from lib.events import Action, EventType
from tests.checks.conftest import make
from tests.conftest import make_connection
from tests.notifications.emitted import collected
from tests.sync.conftest import run_sync

pytestmark = pytest.mark.django_db
STORE = IncidentStore()


def record(n: int, **fields: object) -> IncidentRecord:
    values: dict[str, object] = {
        "upstream_id": f"inc-{n}",
        "number": str(n),
        "title": f"Checkout down {n}",
        "description": "Payments fail with 502.",
        "status": IncidentStatus.OPEN,
        "raw_status": "open",
        "priority": Priority.HIGH,
        "raw_priority": "P1",
        "created_at": timezone.now() - timedelta(minutes=5),
        "updated_at": None,
        "resolved_at": None,
        "impact_start": None,
        "impact_end": None,
        "upstream_url": f"https://example.app.opsgenie.com/incident/detail/inc-{n}",
        "services": ("Checkout",),
        "service_ids": ("svc-checkout",),
        **fields,
    }
    return IncidentRecord(**values)  # type: ignore[arg-type]


def synced_before(connection: Connection) -> None:
    """A first sync that finished: what comes after is news."""
    now = timezone.now()
    SyncRun.objects.create(
        connection=connection,
        trigger="connect",
        kind="full",
        outcome=SyncOutcome.SUCCEEDED,
        started_at=now,
        finished_at=now,
        heartbeat_at=now,
    )


def test_a_new_incident_after_the_first_sync_is_news_with_its_priority(connection) -> None:  # type: ignore[no-untyped-def]
    synced_before(connection)
    with collected() as events:
        STORE.save(connection=connection, records=[record(1)])
    incident = Incident.objects.get(upstream_id="inc-1")
    event = events.one(EventType.INCIDENT_NEW)
    assert event.alias == f"incident:{incident.pk}"
    assert event.action == Action.OPEN and event.incident_priority == "high"
    assert event.message == "New High incident: Checkout down 1"
    assert "OpsGenie #1: Checkout down 1" in event.description
    assert "Services: Checkout" in event.description and "502" in event.description
    assert event.links == (("Incident", f"/incidents/{incident.pk}/"),)
    assert event.details["upstream"] == record(1).upstream_url
    assert incident.announced


def test_the_first_sync_old_incidents_and_services_not_chosen_are_not_news(connection) -> None:  # type: ignore[no-untyped-def]
    with collected() as backfill:
        STORE.save(connection=connection, records=[record(1)])
    synced_before(connection)
    connection.service_ids = ["svc-checkout"]
    connection.save(update_fields=["service_ids"])
    old = timezone.now() - NEW_INCIDENT_WITHIN - timedelta(minutes=1)
    with collected() as later:
        STORE.save(
            connection=connection,
            records=[
                record(2, created_at=old),
                record(3, service_ids=("svc-other",)),
                record(4, status=IncidentStatus.RESOLVED, resolved_at=timezone.now()),
                record(5, priority=Priority.LOW),
            ],
        )
    assert backfill.emitted == []
    assert [event.message for event in later.kept] == ["New Low incident: Checkout down 5"]
    assert later.kept[0].incident_priority == "low"


def test_an_announced_incident_resolved_closes_its_alert_once(connection) -> None:  # type: ignore[no-untyped-def]
    STORE.save(connection=connection, records=[record(1)])  # the backfill: never announced
    synced_before(connection)
    STORE.save(connection=connection, records=[record(2)])
    resolved = {"status": IncidentStatus.RESOLVED, "resolved_at": timezone.now()}
    with collected() as events:
        STORE.save(connection=connection, records=[record(1, **resolved), record(2, **resolved)])
        STORE.save(connection=connection, records=[record(2, **resolved, title="Renamed")])
    incident = Incident.objects.get(upstream_id="inc-2")
    event = events.one(EventType.INCIDENT_NEW)
    assert (event.alias, event.action) == (f"incident:{incident.pk}", Action.CLOSE)
    assert event.message == "Incident resolved: Checkout down 2"


def test_a_sync_tells_the_incidents_that_appeared_since_the_last(settings, db) -> None:  # type: ignore[no-untyped-def]
    server = SandboxServer(seed=5, incidents=40, users=5, now=timezone.now()).start()
    settings.OPSGENIE_BASE_URLS = {region: server.opsgenie_url(region) for region in ("us", "eu")}
    try:
        connection = make_connection(api_key=server.keys.opsgenie_us)
        with collected() as first:
            run_sync(connection)
        summary = server.advance(changed_fraction=0.0, new=4, deleted=0, seed=2)
        with collected() as second:
            run = run_sync(connection)
    finally:
        server.stop()
    assert run.counts["incidents"]["created"] == 4
    assert first.of(EventType.INCIDENT_NEW) == []
    news = Incident.objects.filter(upstream_id__in=summary["created"], status="open")
    assert news.exists()
    told = {event.alias for event in second.of(EventType.INCIDENT_NEW)}
    assert told == {f"incident:{pk}" for pk in news.values_list("pk", flat=True)}


def _report(client: Client, incident: Incident, version: int, **data: object):  # type: ignore[no-untyped-def]
    values = {"data_lost": "yes", "records_affected": "", "people_affected": "", **data}
    return client.post(f"/incidents/{incident.pk}/data-loss/", {**values, "version": version})


def test_a_report_coming_to_say_yes_is_told_once(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, title="Export bucket public")
    with collected() as events:
        _report(staff_client, incident, 0, what_happened="Bucket public", records_affected="1200")
        _report(staff_client, incident, 1, what_happened="Bucket public for 2 days")
        _report(staff_client, incident, 1, data_lost="no")  # stale version: refused
        _report(staff_client, incident, 2, data_lost="not_assessed")
        _report(staff_client, incident, 3)
    # The first Yes, and Yes again after Not assessed; the checks it re-evaluates tell their own.
    reported = events.of(EventType.DATA_LOSS_REPORTED)
    assert len(reported) == 2
    event = reported[0]
    assert event.alias == f"incident:{incident.pk}:data-loss"
    assert event.message == "Data loss reported: Export bucket public"
    assert "Reported by: carol-staff" in event.description
    assert "What happened: Bucket public" in event.description
    assert "Approximate records affected: 1,200" in event.description
    assert event.links == (("Incident", f"/incidents/{incident.pk}/"),)


def test_a_report_saying_no_or_a_yes_refused_tells_nobody(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1)
    no = {"data_lost": "no", "no_loss_explanation": "Checked logs"}
    with collected() as events:
        _report(staff_client, incident, 0, **no)
        _report(staff_client, incident, 1, **no, reference_notes="Ticket 7")
        stale = _report(staff_client, incident, 1, what_happened="Leaked")
    assert "meanwhile" in stale.content.decode()
    assert incident.data_loss.data_lost == "no"
    assert events.of(EventType.DATA_LOSS_REPORTED) == []
