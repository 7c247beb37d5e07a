"""Special cases an auditor accepts, and a history that agrees with the check (issue 10)."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.apps import apps as django_apps
from django.utils import timezone

from checks.engine import evaluate
from checks.forms import months_ahead
from checks.models import CheckState, CheckStatusChange, SpecialCase, SpecialCasePolicy
from incidents.checks import CLOSED_KEY
from tests.checks.conftest import make

pytestmark = pytest.mark.django_db
URL = f"/checks/{CLOSED_KEY}/special-cases/"


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def history() -> list[tuple[str, str, int, int]]:
    return list(
        CheckStatusChange.objects.filter(check_state__key=CLOSED_KEY)
        .order_by("at", "id")
        .values_list("event", "status", "failing_count", "excepted_count")
    )


def test_several_items_are_excepted_at_once_with_one_reason(
    admin_client, admin_user, connection
) -> None:  # type: ignore[no-untyped-def]
    incidents = [make(connection, n, status="open", resolved_at=None) for n in (1, 2, 3)]
    evaluate()
    chosen = [f"incident:{incidents[0].pk}", f"incident:{incidents[2].pk}"]
    response = admin_client.post(
        URL, {"item_keys": chosen, "reason": "Load test, not real", "expires_on": in_days(30)}
    )
    assert response.status_code == 302
    assert sorted(SpecialCase.objects.values_list("item_key", flat=True)) == sorted(chosen)
    assert set(SpecialCase.objects.values_list("reason", flat=True)) == {"Load test, not real"}
    state = CheckState.objects.get(key=CLOSED_KEY)
    assert (state.failing_count, state.excepted_count) == (1, 2)
    # One event per item, each with who did it and the counts after.
    created = [row for row in history() if row[0] == "special_case_created"]
    assert created == [("special_case_created", "failing", 1, 2)] * 2
    assert set(
        CheckStatusChange.objects.filter(event="special_case_created").values_list("by", flat=True)
    ) == {admin_user.pk}
    page = admin_client.get(f"/checks/{CLOSED_KEY}/").content.decode()
    assert "2 items are now special cases." in page and "Special case created by" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "Vendor outage"}, "A special case needs an expiry date."),
        ({"reason": "Vendor outage", "expires_on": in_days(0)}, "must be in the future"),
        ({"reason": "Vendor outage", "expires_on": in_days(400)}, "lasts at most 12 months"),
        ({"reason": "   ", "expires_on": in_days(10)}, "A special case needs a reason."),
        ({"item_keys": [], "reason": "x", "expires_on": in_days(10)}, "Choose at least one"),
    ],
)
def test_a_refused_special_case_keeps_what_was_typed(
    admin_client, connection, data, message
) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    key = f"incident:{incident.pk}"
    response = admin_client.post(URL, {"item_keys": [key], **data})
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert not SpecialCase.objects.exists()
    if data["reason"].strip():
        assert f"{data['reason']}</textarea>" in page
    if data.get("item_keys", [key]):
        assert f'value="{key}" form="special-case-form"' in page and "checked" in page


def test_the_longest_expiry_follows_the_admins_policy(
    admin_client, auditor_client, connection
) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    assert (
        auditor_client.post("/checks/special-case-policy/", {"max_months": "3"}).status_code == 403
    )
    assert SpecialCasePolicy.current().max_months == 12
    admin_client.post("/checks/special-case-policy/", {"max_months": "3"})
    assert SpecialCasePolicy.current().max_months == 3
    latest = months_ahead(timezone.localdate(), 3)
    data = {"item_keys": f"incident:{incident.pk}", "reason": "Vendor"}
    too_late = (latest + timedelta(days=1)).isoformat()
    assert (
        "lasts at most 3 months"
        in admin_client.post(URL, {**data, "expires_on": too_late}).content.decode()
    )
    admin_client.post(URL, {**data, "expires_on": latest.isoformat()})
    assert SpecialCase.objects.count() == 1
    page = auditor_client.get("/checks/special-case-policy/").content.decode()
    assert "alice-admin: at most 3 months" in page


def test_an_item_no_longer_failing_is_refused(admin_client, connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    incident.status = "resolved"
    incident.save()  # as a sync writes it: the next evaluation judges it again
    evaluate()
    page = admin_client.post(
        URL, {"item_keys": f"incident:{incident.pk}", "reason": "x", "expires_on": in_days(5)}
    ).content.decode()
    assert "no longer fail this check" in page and not SpecialCase.objects.exists()


def test_the_history_keeps_count_changes_and_expiries(admin_client, connection) -> None:  # type: ignore[no-untyped-def]
    first = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    make(connection, 2, status="open", resolved_at=None)
    evaluate()  # still failing, one more item: a row of its own
    evaluate()  # nothing changed: no row
    admin_client.post(
        URL, {"item_keys": f"incident:{first.pk}", "reason": "Known", "expires_on": in_days(2)}
    )
    SpecialCase.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    evaluate()
    evaluate()
    assert history() == [
        ("evaluated", "failing", 1, 0),
        ("evaluated", "failing", 2, 0),
        ("special_case_created", "failing", 1, 1),
        ("special_case_expired", "failing", 2, 0),
    ]
    # The header and the newest history row agree.
    state = CheckState.objects.get(key=CLOSED_KEY)
    assert history()[-1][2:] == (state.failing_count, state.excepted_count)


def test_the_policy_change_is_in_the_audit_log(admin_client) -> None:  # type: ignore[no-untyped-def]
    entries = LogEntry.objects.get_for_model(SpecialCasePolicy)
    admin_client.get("/checks/special-case-policy/")
    assert not entries.exists()  # the default stored on first read is nobody's change
    admin_client.post("/checks/special-case-policy/", {"max_months": "6"})
    (entry,) = entries.all()
    assert entry.actor.get_username() == "alice-admin"
    assert entry.changes_dict["max_months"] == ["12", "6"]  # a change from the defaults
    # The policy's own history names who set it, never a reader.
    assert list(SpecialCasePolicy.history.values_list("history_user__username", flat=True)) == [
        "alice-admin"
    ]


def test_an_expired_case_or_an_unknown_check_cannot_be_ended(admin_client, connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    state = CheckState.objects.get(key=CLOSED_KEY)
    case = SpecialCase.objects.create(
        check_state=state,
        item_key=f"incident:{incident.pk}",
        label="x",
        reason="r",
        expires_at=timezone.now() - timedelta(days=1),
    )
    url = f"/checks/{CLOSED_KEY}/special-cases/{case.pk}/end/"
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url, {"reason": "late"}).status_code == 404
    case.refresh_from_db()
    assert case.ended_at is None
    gone = CheckState.objects.create(
        key="gone-check",
        status="failing",
        status_since=timezone.now(),
        last_evaluated_at=timezone.now(),
    )
    old = SpecialCase.objects.create(check_state=gone, item_key="x:1", label="x", reason="r")
    assert admin_client.get(f"/checks/gone-check/special-cases/{old.pk}/end/").status_code == 404


def test_the_migration_gives_old_special_cases_an_expiry(connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    state = CheckState.objects.get(key=CLOSED_KEY)
    made = timezone.now() - timedelta(days=30)
    never = SpecialCase.objects.create(
        check_state=state,
        item_key=f"incident:{incident.pk}",
        label="x",
        reason="r",
        created_at=made,
    )
    long_gone = SpecialCase.objects.create(
        check_state=state,
        item_key="incident:0",
        label="y",
        reason="r",
        expires_at=timezone.now() - timedelta(days=90),
    )
    migration = importlib.import_module("checks.migrations.0004_special_cases_expire")
    migration.expire(django_apps, None)
    never.refresh_from_db()
    long_gone.refresh_from_db()
    assert never.expires_at == made + timedelta(days=365) and never.expiry_recorded_at is None
    assert long_gone.expiry_recorded_at == long_gone.expires_at
    evaluate()  # no "expired" event for a case that expired before the history kept them
    assert not CheckStatusChange.objects.filter(event="special_case_expired").exists()


def test_an_item_key_with_a_nul_character_is_refused_with_a_message(
    admin_client, connection
) -> None:  # type: ignore[no-untyped-def]
    # PostgreSQL refuses NUL in a query parameter: the form must stop it before any lookup.
    incident = make(connection, 1, status="open", resolved_at=None)
    evaluate()
    data = {"reason": "Vendor outage", "expires_on": in_days(5)}
    for bad in (f"incident:{incident.pk}\x00", "\x00"):
        response = admin_client.post(URL, {"item_keys": [bad], **data})
        page = response.content.decode()
        assert response.status_code == 200
        assert "The chosen items are not ones this check lists." in page
    assert not SpecialCase.objects.exists()
