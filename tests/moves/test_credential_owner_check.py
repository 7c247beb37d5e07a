"""The check "Integration credentials are not owned by an offboarded person": a JSM connection's
account email (any case, other emails included) belonging to an offboarded person fails; one
matching nobody is listed as cannot judge, never passed."""

from __future__ import annotations

from datetime import date

import pytest

from access.credential_checks import KEY
from checks.engine import evaluate
from checks.models import CheckState
from tests.access.conftest import person

pytestmark = pytest.mark.django_db


def _state() -> CheckState:
    evaluate(topic="credentials", reason="test")
    return CheckState.objects.get(key=KEY)


def _reasons() -> list[str]:
    return [item.reason for item in _state().failing_items.all()]


def test_without_a_jsm_connection_it_is_not_applicable(opsgenie) -> None:  # type: ignore[no-untyped-def]
    assert _state().status == "not_applicable"


def test_an_active_owner_passes(jsm) -> None:  # type: ignore[no-untyped-def]
    # The connection's email is Ops.Lead@Acme.example: matched without case.
    person("Olga Lead", "ops.lead@acme.example")
    state = _state()
    assert (state.status, state.failing_count, state.checked_count) == ("passing", 0, 1)


def test_an_offboarded_owner_fails(jsm, frozen) -> None:  # type: ignore[no-untyped-def]
    person(
        "Olga Lead",
        "ops.lead@acme.example",
        status="offboarded",
        last_working_day=date(2026, 9, 7),
    )
    state = _state()
    assert (state.status, state.failing_count) == ("failing", 1)
    item = state.failing_items.get()
    assert item.label == "Jira Service Management API token of Ops.Lead@Acme.example"
    assert item.source == "Jira Service Management"
    assert item.url == "/settings/integrations/jsm/"
    assert item.reason.startswith(
        "Olga Lead is offboarded (last working day 7 Sep 2026, 10 d ago); the token acts as "
        "their account"
    )


def test_an_offboarded_owner_found_by_another_email_fails(jsm) -> None:  # type: ignore[no-untyped-def]
    person(
        "Olga Lead",
        "olga@acme.example",
        alias_emails=["OPS.LEAD@acme.example"],
        status="offboarded",
    )
    assert _reasons() == [
        "Olga Lead is offboarded (no date recorded); the token acts as their account and stops "
        "working when it is deactivated: edit the connection with an active person's token"
    ]


def test_an_email_nobody_has_cannot_be_judged(jsm) -> None:  # type: ignore[no-untyped-def]
    person("Someone Else", "else@acme.example", status="offboarded")
    state = _state()
    assert (state.status, state.failing_count) == ("failing", 1)
    assert _reasons() == [
        "Cannot judge: no one in the staff directory has the email Ops.Lead@Acme.example: add "
        "the person, or the email to a person's other emails"
    ]


def test_a_disconnected_connection_is_not_judged(jsm) -> None:  # type: ignore[no-untyped-def]
    jsm.status = "disconnected"
    jsm.save()
    assert _state().status == "not_applicable"
