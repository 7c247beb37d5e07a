"""`python manage.py checks [--json] [--evaluate]` (issue 10 point 9), and the source of each
failing item (point 8: two integrations can each have an incident #499)."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from checks.models import CheckState, SpecialCase
from incidents.checks import CLOSED_KEY
from tests.checks.conftest import make
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("checks", *args, stdout=out)  # raises on a non-zero exit
    return out.getvalue()


def two_incidents_numbered_499() -> None:
    make(make_connection(provider="opsgenie"), 499, status="open", title="Checkout down")
    make(make_connection(provider="pagerduty"), 499, status="open", title="Login slow")


def test_json_names_each_failing_item_with_its_source() -> None:
    two_incidents_numbered_499()
    report = {check["key"]: check for check in json.loads(run("--json", "--evaluate"))}
    closed = report[CLOSED_KEY]
    assert (closed["status"], closed["failing_count"]) == ("failing", 2)
    items = {(item["source"], item["item"]) for item in closed["failing_items"]}
    assert items == {("OpsGenie", "#499 Checkout down"), ("PagerDuty", "#499 Login slow")}
    reasons = [item["reason"] for item in closed["failing_items"]]
    assert all(reason.startswith("Open since it was reported") for reason in reasons)


def test_the_table_says_status_count_and_items_and_exits_zero_while_failing() -> None:
    two_incidents_numbered_499()
    table = run("--evaluate")
    assert "Failing" in table and "2 failing  Reported incident should be closed" in table
    assert "PagerDuty  #499 Login slow: Open since" in table
    assert "OpsGenie  #499 Checkout down: Open since" in table


def test_without_evaluate_it_reports_what_was_stored_and_never_evaluates() -> None:
    two_incidents_numbered_499()
    report = json.loads(run("--json"))
    assert {check["status"] for check in report} == {"not_evaluated"}
    assert not CheckState.objects.exists()


def test_an_item_under_a_special_case_is_marked() -> None:
    two_incidents_numbered_499()
    run("--evaluate")
    state = CheckState.objects.get(key=CLOSED_KEY)
    item = state.failing_items.get(source="PagerDuty")
    SpecialCase.objects.create(
        check_state=state,
        item_key=item.item_key,
        reason="Planned maintenance",
        created_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=30),
    )
    assert "#499 Login slow: Open since" in run() and "(special case)" in run()


def test_the_check_page_names_each_failing_item_s_source(auditor_client) -> None:  # type: ignore[no-untyped-def]
    two_incidents_numbered_499()
    run("--evaluate")
    page = auditor_client.get(f"/checks/{CLOSED_KEY}/").content.decode()
    assert '<th scope="col">Source</th>' in page
    assert "<td>PagerDuty</td>" in page and "<td>OpsGenie</td>" in page
