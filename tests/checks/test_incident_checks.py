from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from checks.engine import evaluate
from checks.models import CheckState, CheckStatusChange, FailingItem, SpecialCase
from incidents.checks import CLOSED_KEY, DATA_LOSS_KEY, SLA_KEY
from incidents.models import DataLossReport, Incident, IncidentPolicy
from integrations.models import ConnectionStatus
from integrations.services import connection_disconnect
from tests.checks.conftest import NOW, make

pytestmark = pytest.mark.django_db


def rewrite(incident: Incident, **fields: object) -> None:
    """Change an incident as a sync would: saved, so the next evaluation judges it again."""
    for name, value in fields.items():
        setattr(incident, name, value)
    incident.save()


def state(key: str) -> CheckState:
    return CheckState.objects.get(key=key)


def failing(key: str) -> set[str]:
    return set(FailingItem.objects.filter(check_state__key=key).values_list("item_key", flat=True))


def test_every_check_is_not_applicable_when_nothing_is_connected() -> None:
    evaluate()
    assert {s.status for s in CheckState.objects.all()} == {"not_applicable"}


def test_an_open_incident_fails_the_closed_check_until_it_is_resolved(connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, status="open", resolved_at=None)
    make(connection, 2)
    evaluate()
    assert state(CLOSED_KEY).status == "failing" and failing(CLOSED_KEY) == {
        f"incident:{incident.pk}"
    }
    reported = Incident.objects.get(pk=incident.pk).created_at
    assert FailingItem.objects.get(check_state__key=CLOSED_KEY).reason == (
        f"Open since it was reported, {reported:%d %b %Y %H:%M} UTC"
    )
    rewrite(incident, status="resolved", resolved_at=NOW)
    evaluate()
    assert state(CLOSED_KEY).status == "passing" and failing(CLOSED_KEY) == set()
    # Reopened upstream: failing again, and each change is in the status history.
    rewrite(incident, status="open", resolved_at=None)
    evaluate()
    history = list(
        CheckStatusChange.objects.filter(check_state__key=CLOSED_KEY)
        .order_by("at")
        .values_list("status", flat=True)
    )
    assert history == ["failing", "passing", "failing"]


def test_incidents_of_a_disconnected_source_do_not_count(connection) -> None:  # type: ignore[no-untyped-def]
    make(connection, 1, status="open", resolved_at=None)
    connection.status = ConnectionStatus.DISCONNECTED
    connection.save()
    evaluate()
    assert state(CLOSED_KEY).status == "not_applicable"


def test_the_closed_check_can_allow_open_incidents_within_their_sla(connection) -> None:  # type: ignore[no-untyped-def]
    policy = IncidentPolicy.current()
    policy.close_check_uses_sla = True
    policy.save()
    young_high = make(
        connection, 1, status="open", resolved_at=None, created_at=NOW - timedelta(hours=23)
    )
    old_high = make(
        connection, 2, status="open", resolved_at=None, created_at=NOW - timedelta(hours=25)
    )
    young_low = make(
        connection,
        3,
        status="open",
        resolved_at=None,
        priority="low",
        created_at=NOW - timedelta(days=6),
    )
    evaluate()
    assert failing(CLOSED_KEY) == {f"incident:{old_high.pk}"}
    # A priority change upstream changes the SLA that applies.
    rewrite(young_low, priority="high")
    evaluate()
    assert failing(CLOSED_KEY) == {f"incident:{old_high.pk}", f"incident:{young_low.pk}"}
    assert young_high.pk not in {int(k.split(":")[1]) for k in failing(CLOSED_KEY)}


@pytest.mark.parametrize(
    ("priority", "hours", "fails"),
    [
        ("high", 24, False),
        ("high", 24.02, True),
        ("medium", 72, False),
        ("medium", 72.02, True),
        ("low", 168, False),
        ("low", 168.02, True),
        ("", 72.02, True),
    ],
)
def test_sla_boundaries(connection, priority: str, hours: float, fails: bool) -> None:  # type: ignore[no-untyped-def]
    created = NOW - timedelta(days=20)
    make(
        connection,
        1,
        priority=priority,
        created_at=created,
        resolved_at=created + timedelta(hours=hours),
    )
    evaluate()
    assert (state(SLA_KEY).status == "failing") is fails


def test_the_sla_is_editable_and_re_evaluated(connection, admin_client) -> None:  # type: ignore[no-untyped-def]
    created = NOW - timedelta(days=20)
    make(connection, 1, created_at=created, resolved_at=created + timedelta(hours=30))
    evaluate()
    assert state(SLA_KEY).status == "failing"
    admin_client.post(
        "/settings/incidents/", {"high_sla_hours": 48, "medium_sla_hours": 72, "low_sla_hours": 168}
    )
    assert state(SLA_KEY).status == "passing"
    response = admin_client.post(
        "/settings/incidents/", {"high_sla_hours": 0, "medium_sla_hours": 72, "low_sla_hours": 168}
    )
    assert "between 1 hour and 365 days" in response.content.decode()
    assert IncidentPolicy.current().high_sla_hours == 48


def test_data_loss_needs_details_and_a_notification(connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1)
    report = DataLossReport.objects.create(incident=incident, data_lost="yes")
    evaluate()
    item = FailingItem.objects.get(check_state__key=DATA_LOSS_KEY)
    assert (
        "what happened, data categories, records or people affected, a stakeholder notification"
        in item.reason
    )
    report.what_happened, report.categories, report.people_affected = "Leak", ["personal"], 12
    report.save()
    evaluate()
    assert FailingItem.objects.get(check_state__key=DATA_LOSS_KEY).reason.endswith(
        "a stakeholder notification"
    )
    report.dpo_notified_on = NOW.date()
    report.save()
    evaluate()
    assert state(DATA_LOSS_KEY).status == "passing"


def test_resolved_high_incidents_can_be_required_to_be_assessed(connection) -> None:  # type: ignore[no-untyped-def]
    high = make(connection, 1)
    make(connection, 2, priority="low")
    evaluate()
    assert state(DATA_LOSS_KEY).status == "passing"
    policy = IncidentPolicy.current()
    policy.assess_resolved_high = True
    policy.save()
    evaluate()
    assert failing(DATA_LOSS_KEY) == {f"incident:{high.pk}"}
    DataLossReport.objects.create(incident=high, data_lost="no")
    evaluate()
    assert state(DATA_LOSS_KEY).status == "passing"


def test_a_special_case_passes_until_it_expires(connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    case = SpecialCase.objects.create(
        check_state=state(CLOSED_KEY),
        item_key=f"incident:{incident.pk}",
        label="x",
        reason="Tracked in the vendor's ticket",
        expires_at=NOW + timedelta(days=1),
    )
    evaluate()
    assert state(CLOSED_KEY).status == "passing" and state(CLOSED_KEY).excepted_count == 1
    SpecialCase.objects.filter(pk=case.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    evaluate()  # the hourly evaluation brings an expired item back
    assert state(CLOSED_KEY).status == "failing"


def test_unchanged_results_write_no_history_and_keep_failing_since(connection) -> None:  # type: ignore[no-untyped-def]
    make(connection, 1, status="open", resolved_at=None)
    evaluate()
    since = FailingItem.objects.get(check_state__key=CLOSED_KEY).failing_since
    evaluate()
    evaluate()
    assert CheckStatusChange.objects.filter(check_state__key=CLOSED_KEY).count() == 1
    assert FailingItem.objects.get(check_state__key=CLOSED_KEY).failing_since == since


def test_disconnecting_a_source_reevaluates_its_checks_at_once(connection, admin_user) -> None:  # type: ignore[no-untyped-def]
    make(connection, 1, status="open", resolved_at=None)
    evaluate()
    assert state(CLOSED_KEY).status == "failing"
    connection_disconnect(connection=connection, user=admin_user)
    assert state(CLOSED_KEY).status == "not_applicable" and failing(CLOSED_KEY) == set()
