"""What the data-loss and SLA checks fail on (issue 10, PRODUCT 5): nothing passes by omission."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from checks.engine import evaluate
from checks.models import CheckState, FailingItem
from incidents.checks import DATA_LOSS_KEY, SLA_KEY
from incidents.models import DataLossReport, Incident, IncidentPolicy
from incidents.store import IncidentStore
from integrations.records import IncidentRecord, IncidentStatus, Priority
from tests.checks.conftest import NOW, make

pytestmark = pytest.mark.django_db


def reasons(key: str) -> dict[str, str]:
    return dict(FailingItem.objects.filter(check_state__key=key).values_list("item_key", "reason"))


def status(key: str) -> str:
    return CheckState.objects.get(key=key).status


# --- data loss -------------------------------------------------------------------------------


def test_an_incident_reporting_data_loss_upstream_fails_until_assessed(connection) -> None:  # type: ignore[no-untyped-def]
    flagged = make(connection, 1, title="Data loss: 4293 records missing from billing")
    quiet = make(connection, 2, title="Disk full on db-3")
    evaluate()
    assert status(DATA_LOSS_KEY) == "failing"
    (reason,) = reasons(DATA_LOSS_KEY).values()
    assert set(reasons(DATA_LOSS_KEY)) == {f"incident:{flagged.pk}"}
    assert "“Data loss: 4293 records missing from billing”" in reason
    assert "nobody has assessed it" in reason
    # "No" with nobody named stays failing; with who and why, it passes.
    report = DataLossReport.objects.create(incident=flagged, data_lost="no")
    evaluate()
    assert (
        "the report says No without saying who assessed it"
        in reasons(DATA_LOSS_KEY)[f"incident:{flagged.pk}"]
    )
    report.no_loss_explanation = "Dana (DBA) restored every row from the 02:00 backup"
    report.save()
    evaluate()
    assert status(DATA_LOSS_KEY) == "passing"
    assert quiet.data_loss_mention == ""


@pytest.mark.parametrize(
    "text",
    [
        "Possible DATA BREACH via export",
        "dataloss on replica",
        "Data leak in logs",
        "12 records were exposed to a partner",
        "customer records lost after failover",
    ],
)
def test_each_wording_of_data_loss_is_flagged(connection, text) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, description=f"Timeline: {text}.")
    evaluate()
    assert text in reasons(DATA_LOSS_KEY)[f"incident:{incident.pk}"]


def test_a_yes_report_passes_only_with_details_and_a_disclosure(connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, title="Possible data loss in checkout")
    report = DataLossReport.objects.create(
        incident=incident, data_lost="yes", what_happened="Bucket was public"
    )
    evaluate()
    reason = reasons(DATA_LOSS_KEY)[f"incident:{incident.pk}"]
    assert reason.startswith("The report says data was lost; missing: data categories")
    assert "a stakeholder notification" in reason
    report.categories, report.people_affected = ["personal"], 40
    report.dpo_notified_on = timezone.localdate()
    report.save()
    evaluate()
    assert status(DATA_LOSS_KEY) == "passing"


def test_the_policy_adds_resolved_high_incidents_once_each(connection) -> None:  # type: ignore[no-untyped-def]
    policy = IncidentPolicy.current()
    policy.assess_resolved_high = True
    policy.save()
    plain = make(connection, 1, priority="high", status="resolved")
    flagged = make(connection, 2, priority="high", status="resolved", title="Data leak")
    make(connection, 3, priority="low", status="resolved")
    evaluate()
    found = reasons(DATA_LOSS_KEY)
    assert set(found) == {f"incident:{plain.pk}", f"incident:{flagged.pk}"}
    assert "(policy)" in found[f"incident:{plain.pk}"]
    assert "reports data loss" in found[f"incident:{flagged.pk}"]


def test_a_flagged_incident_that_does_not_count_is_not_listed(connection) -> None:  # type: ignore[no-untyped-def]
    make(connection, 1, title="Data loss in a service nobody chose", out_of_scope=True)
    evaluate()
    assert status(DATA_LOSS_KEY) == "passing"


# --- SLA --------------------------------------------------------------------------------------


def test_an_open_incident_past_its_sla_fails_at_once(connection) -> None:  # type: ignore[no-untyped-def]
    late = make(
        connection, 1, status="open", priority="low", created_at=NOW - timedelta(days=11, hours=19)
    )
    make(connection, 2, status="open", priority="low", created_at=NOW - timedelta(days=6))
    evaluate()
    reported = Incident.objects.get(pk=late.pk).created_at
    due = reported + timedelta(days=7)
    assert reasons(SLA_KEY) == {
        f"incident:{late.pk}": f"Still open past its SLA of 7 d: reported "
        f"{reported:%d %b %Y %H:%M} UTC, due {due:%d %b %Y %H:%M} UTC"
    }


def test_a_resolved_incident_is_judged_on_its_resolution_time(connection) -> None:  # type: ignore[no-untyped-def]
    created = NOW - timedelta(days=5)
    late = make(
        connection,
        1,
        priority="high",
        created_at=created,
        resolved_at=created + timedelta(hours=30),
    )
    make(
        connection,
        2,
        priority="high",
        created_at=created,
        resolved_at=created + timedelta(hours=20),
    )
    evaluate()
    assert reasons(SLA_KEY) == {f"incident:{late.pk}": "Resolved after 1 d 6 h, SLA 1 d"}


def test_an_unknown_resolution_time_is_listed_unless_the_first_sync_proves_it(connection) -> None:  # type: ignore[no-untyped-def]
    unknown = make(
        connection, 1, priority="high", created_at=NOW - timedelta(days=3), resolved_at=None
    )
    # First synced (now) 2 hours after it was reported, already resolved: on time for sure.
    make(connection, 2, priority="high", created_at=NOW - timedelta(hours=2), resolved_at=None)
    evaluate()
    found = reasons(SLA_KEY)
    assert set(found) == {f"incident:{unknown.pk}"}
    assert found[f"incident:{unknown.pk}"].startswith("Resolution time unknown:")


# --- what the sync stores --------------------------------------------------------------------


def _record(**fields) -> IncidentRecord:  # type: ignore[no-untyped-def]
    values = {
        "upstream_id": "u-1",
        "number": "1",
        "title": "Checkout down",
        "description": "",
        "status": IncidentStatus.OPEN,
        "raw_status": "open",
        "priority": Priority.HIGH,
        "raw_priority": "P1",
        "created_at": NOW - timedelta(hours=5),
        "updated_at": None,
        "resolved_at": None,
        "impact_start": None,
        "impact_end": None,
        "upstream_url": "",
    }
    values.update(fields)
    return IncidentRecord(**values)


def test_a_sync_dates_a_resolution_the_source_does_not_give(connection) -> None:  # type: ignore[no-untyped-def]
    store = IncidentStore()
    opened = _record()
    store.save(connection=connection, records=[opened])
    before = timezone.now()
    resolved = replace(opened, status=IncidentStatus.RESOLVED, raw_status="resolved")
    store.save(connection=connection, records=[resolved])
    incident = Incident.objects.get()
    assert incident.resolved_at >= before and incident.resolved_at_source == "sync"
    # A later change keeps that date; the source's own time replaces it.
    store.save(connection=connection, records=[replace(resolved, title="Checkout down (EU)")])
    kept = Incident.objects.get()
    assert kept.resolved_at == incident.resolved_at and kept.resolved_at_source == "sync"
    own = NOW - timedelta(hours=4)
    store.save(connection=connection, records=[replace(resolved, resolved_at=own)])
    assert Incident.objects.values_list("resolved_at", "resolved_at_source").get() == (
        own,
        "upstream",
    )


def test_an_incident_first_seen_resolved_without_a_time_keeps_it_unknown(connection) -> None:  # type: ignore[no-untyped-def]
    IncidentStore().save(
        connection=connection,
        records=[_record(status=IncidentStatus.RESOLVED, title="Data breach: 40 records exposed")],
    )
    incident = Incident.objects.get()
    assert (incident.resolved_at, incident.resolved_at_source) == (None, "")
    assert incident.data_loss_mention == "Data breach: 40 records exposed"


# --- the incident page ------------------------------------------------------------------------


def test_the_incident_page_says_when_an_open_incident_is_due_or_overdue(  # type: ignore[no-untyped-def]
    auditor_client, connection
) -> None:
    overdue = make(
        connection,
        1,
        status="open",
        priority="low",
        created_at=timezone.now() - timedelta(days=9, hours=1),
    )
    due = make(
        connection,
        2,
        status="open",
        priority="high",
        created_at=timezone.now() - timedelta(hours=20, minutes=30),
    )
    evaluate()
    page = auditor_client.get(f"/incidents/{overdue.pk}/").content.decode()
    assert "overdue by 2 d 1 h" in page and "Still open past its SLA of 7 d" in page
    page = auditor_client.get(f"/incidents/{due.pk}/").content.decode()
    assert "due in 3 h 29 min" in page or "due in 3 h 30 min" in page
    assert "Due in 3 h" in page  # the SLA check passes for now, and says for how long


def test_the_incident_page_says_where_the_resolution_time_comes_from(  # type: ignore[no-untyped-def]
    auditor_client, connection
) -> None:
    dated = make(connection, 1, resolved_at_source="sync")
    unknown = make(connection, 2, resolved_at=None)
    page = auditor_client.get(f"/incidents/{dated.pk}/").content.decode()
    assert "(from the first sync that saw it resolved)" in page
    page = auditor_client.get(f"/incidents/{unknown.pk}/").content.decode()
    assert "gives no resolution time and no sync saw it open" in page
