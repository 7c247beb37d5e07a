"""Checks, as the notification channels hear of them: a check that starts failing (from passing,
not applicable, or at its first evaluation) and recovers (the close of the same alias), never a
change of the count alone; and, for a check that declares an item event (the offboarded-user
access check), each item that starts failing and each that leaves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from access.checks import OFFBOARDED_PREFIX
from access.models import CriticalSystem, StaffMember
from access.services import access_changed
from access.store import ACCOUNTS
from checks.engine import evaluate_check
from checks.events import FIRST_ITEMS
from checks.models import CheckState, SpecialCase
from integrations.records import AccountRecord
from lib.checks import REGISTRY, Check, FailingRow
from lib.events import Action, EventType
from tests.conftest import make_connection
from tests.notifications.emitted import collected

pytestmark = pytest.mark.django_db
KEY = "test-notified"


@dataclass
class Upstream:
    """What the fake check finds: whether it applies, and its failing items by key."""

    applies: bool = True
    failing: dict[str, str] = field(default_factory=dict)  # item key → label

    def rows(self, now: datetime) -> list[FailingRow]:
        return [
            FailingRow(key, label, f"/things/{key}/", f"{label} is broken", "Test")
            for key, label in self.failing.items()
        ]


def fake_check(upstream: Upstream, item_event: EventType | None = None) -> Check:
    return Check(
        key=KEY,
        title="Things should work",
        description="Fails for a broken thing.",
        how_to_fix="Fix the thing.",
        topic="test",
        applicable=lambda: upstream.applies,
        checked_count=lambda: 50,
        failing=upstream.rows,
        item_event=item_event,
    )


def test_a_check_failing_at_its_first_evaluation_names_its_first_items() -> None:
    upstream = Upstream(failing={f"t{n}": f"Thing {n}" for n in range(FIRST_ITEMS + 3)})
    with collected() as events:
        evaluate_check(fake_check(upstream))
    event = events.one(EventType.CHECK_FAILING)
    assert event.alias == f"check:{KEY}" and event.check_key == KEY
    assert event.action == Action.OPEN
    assert event.message == f"Check failing: Things should work ({FIRST_ITEMS + 3} failing items)"
    assert f"{FIRST_ITEMS + 3} of 50 checked failing" in event.description
    assert "- Thing 0: Thing 0 is broken" in event.description
    assert f"Thing {FIRST_ITEMS - 1} is broken" in event.description
    assert f"Thing {FIRST_ITEMS} is broken" not in event.description
    assert "… and 3 more" in event.description and "Fix the thing." in event.description
    assert event.links == (("Check", f"/checks/{KEY}/"),)


def test_only_the_status_transitions_are_told_never_the_count_alone() -> None:
    upstream = Upstream()
    check = fake_check(upstream)
    with collected() as events:
        evaluate_check(check)  # first evaluation, passing: no news
        upstream.failing = {"t1": "Thing 1"}
        evaluate_check(check)  # passing → failing
        upstream.failing = {"t1": "Thing 1", "t2": "Thing 2"}
        evaluate_check(check)  # still failing, one more: no news
        evaluate_check(check)  # nothing changed
        upstream.failing = {}
        evaluate_check(check)  # failing → passing
        evaluate_check(check)
    assert events.types == ["check_failing:open", "check_recovered:close"]
    failing, recovered = events.kept
    assert failing.message == "Check failing: Things should work (1 failing item)"
    assert recovered.alias == failing.alias and recovered.check_key == KEY
    assert recovered.message == "Check recovered: Things should work"
    assert "No item fails any more." in recovered.description


def test_not_applicable_to_failing_and_back_are_transitions() -> None:
    upstream = Upstream(applies=False, failing={"t1": "Thing 1"})
    check = fake_check(upstream)
    with collected() as events:
        evaluate_check(check)
        upstream.applies = True
        evaluate_check(check)
        upstream.applies = False
        evaluate_check(check)
    assert events.types == ["check_failing:open", "check_recovered:close"]
    assert "no longer applies" in events.kept[1].description


def test_a_failing_item_covered_by_a_special_case_does_not_count() -> None:
    upstream = Upstream(failing={"t1": "Thing 1"})
    check = fake_check(upstream, item_event=EventType.OFFBOARDED_ACCESS)
    with collected() as first:
        evaluate_check(check)
    SpecialCase.objects.create(
        check_state=CheckState.objects.get(key=KEY),
        item_key="t1",
        label="Thing 1",
        reason="Accepted",
        expires_at=timezone.now() + timedelta(days=30),
    )
    with collected() as events:
        evaluate_check(check)  # excepted: the check passes
        upstream.failing = {"t1": "Thing 1", "t2": "Thing 2"}
        evaluate_check(check)  # t2 is new and not excepted
    assert first.types == ["check_failing:open", "offboarded_access:open"]
    assert events.types == ["check_recovered:close", "check_failing:open", "offboarded_access:open"]
    assert events.kept[-1].alias == f"check:{KEY}:t2"
    assert "Thing 1" not in events.kept[1].description


def test_each_new_item_opens_its_alert_and_each_item_that_leaves_closes_it() -> None:
    upstream = Upstream(failing={"t1": "Thing 1"})
    check = fake_check(upstream, item_event=EventType.OFFBOARDED_ACCESS)
    with collected() as events:
        evaluate_check(check)
        upstream.failing = {"t1": "Thing 1", "t2": "Thing 2"}
        evaluate_check(check)
        evaluate_check(check)
        upstream.failing = {"t2": "Thing 2"}
        evaluate_check(check)
    items = events.of(EventType.OFFBOARDED_ACCESS)
    assert [(e.alias, e.action) for e in items] == [
        (f"check:{KEY}:t1", Action.OPEN),
        (f"check:{KEY}:t2", Action.OPEN),
        (f"check:{KEY}:t1", Action.CLOSE),
    ]
    opened, _, closed = items
    assert opened.message == "Things should work: Thing 1"
    assert opened.description.startswith("Thing 1 is broken")
    assert opened.links == (("Item", "/things/t1/"), ("Check", f"/checks/{KEY}/"))
    assert closed.message == "No longer failing: Thing 1" and closed.check_key == KEY


def test_a_check_without_an_item_event_tells_no_items() -> None:
    with collected() as events:
        evaluate_check(fake_check(Upstream(failing={"t1": "Thing 1", "t2": "Thing 2"})))
    assert events.types == ["check_failing:open"]


def test_an_evaluation_rolled_back_sends_nothing() -> None:
    check = fake_check(Upstream(failing={"t1": "Thing 1"}), EventType.OFFBOARDED_ACCESS)
    with collected() as events, pytest.raises(RuntimeError), transaction.atomic():
        evaluate_check(check)
        raise RuntimeError("the caller's transaction failed after the evaluation")
    assert len(events.emitted) == 2 and events.kept == []


def test_an_offboarded_persons_account_is_an_alert_of_its_own_until_removed() -> None:
    key = f"{OFFBOARDED_PREFIX}opsgenie"
    assert REGISTRY[key].item_event == EventType.OFFBOARDED_ACCESS
    connection = make_connection()
    CriticalSystem.objects.create(connection=connection)
    StaffMember.objects.create(
        name="Bob Ode",
        email="bob@example.com",
        status="offboarded",
        last_working_day=timezone.localdate() - timedelta(days=10),
    )
    ana = AccountRecord(upstream_id="u1", email="ana@example.com", name="Ana", role="User")
    bob = AccountRecord(upstream_id="u2", email="bob@example.com", name="Bob", role="User")
    with collected() as events:
        ACCOUNTS.save(connection=connection, records=[ana, bob])
        access_changed(reason="test")
    account = connection.accounts.get(upstream_id="u2")
    opened = events.one(EventType.OFFBOARDED_ACCESS)
    assert opened.alias == f"check:{key}:account:{account.pk}"
    assert opened.message.endswith(": bob@example.com on OpsGenie")
    assert "Bob Ode is offboarded" in opened.description
    assert opened.check_key == key
    assert ("Item", f"/access/accounts/{account.pk}/") in opened.links
    assert f"check:{key}" in {event.alias for event in events.of(EventType.CHECK_FAILING)}

    with collected() as removed:
        ACCOUNTS.flag_missing(connection=connection, listed={"u1"})  # Bob's account is gone
        access_changed(reason="test")
    closed = removed.one(EventType.OFFBOARDED_ACCESS)
    assert (closed.alias, closed.action) == (opened.alias, Action.CLOSE)
    assert closed.message == "No longer failing: bob@example.com on OpsGenie"
    recovered = removed.one(EventType.CHECK_RECOVERED)
    assert recovered.alias == f"check:{key}"
