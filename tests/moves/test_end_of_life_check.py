"""The check "OpsGenie end of life is handled": with fewer than 90 days left, an OpsGenie
connection with no successor and a channel still sending to OpsGenie fail, each item saying the
days left and linking where to act; moved and switched ones are listed as handled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from checks.engine import evaluate
from checks.models import CheckState
from integrations.moves import connection_move
from notifications.end_of_life import KEY
from tests.conftest import _client_for
from tests.moves.conftest import NOW
from tests.notifications.conftest import make_channel

pytestmark = pytest.mark.django_db

# 89 days before 5 April 2027.
LATE = datetime(2027, 1, 6, 12, 0, tzinfo=UTC)


def _state() -> CheckState:
    evaluate(topic="end_of_life", reason="test")
    return CheckState.objects.get(key=KEY)


def _reasons(state: CheckState) -> dict[str, str]:
    return {item.label: item.reason for item in state.failing_items.all()}


def test_with_no_opsgenie_it_is_not_applicable(jsm, frozen) -> None:  # type: ignore[no-untyped-def]
    make_channel("PD", kind="pagerduty", secret="a1b2c3d4e5f60718293a4b5c6d7e8f90")
    assert _state().status == "not_applicable"


def test_with_ninety_days_or_more_left_it_passes(opsgenie, frozen) -> None:  # type: ignore[no-untyped-def]
    make_channel("On-call")
    frozen(datetime(2027, 1, 5, 12, 0, tzinfo=UTC))  # exactly 90 days left
    state = _state()
    assert (state.status, state.failing_count, state.checked_count) == ("passing", 0, 2)


def test_under_ninety_days_each_connection_and_channel_left_fails(
    opsgenie, jsm, frozen, admin_user
) -> None:  # type: ignore[no-untyped-def]
    make_channel("On-call", endpoint="eu")
    make_channel("Switched", endpoint="jsm")
    make_channel("Quiet", enabled=False)
    frozen(LATE)
    state = _state()
    assert (state.status, state.failing_count, state.checked_count) == ("failing", 2, 4)
    reasons = _reasons(state)
    assert reasons["OpsGenie connection"] == (
        "89 days left until OpsGenie ends on 5 Apr 2027, and no successor is set: move it to "
        "Jira Service Management on its page"
    )
    assert reasons["Channel “On-call”"].startswith("89 days left until OpsGenie ends")
    assert "still sends to EU (api.eu.opsgenie.com)" in reasons["Channel “On-call”"]
    page = _client_for(admin_user).get(f"/checks/{KEY}/").content.decode()
    assert 'href="/settings/integrations/opsgenie/#move"' in page
    assert "Handled items" in page and "Sends to Jira Service Management" in page
    assert "Disabled: it sends nothing" in page


def test_a_successor_set_passes_and_is_listed_as_handled(
    opsgenie, jsm, frozen, admin_user, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    frozen(LATE)
    assert _state().failing_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        connection_move(
            connection=opsgenie, successor=jsm, stop_on=datetime(2027, 2, 1).date(), user=None
        )
    # The move's own evaluation (on commit) already judged it.
    state = CheckState.objects.get(key=KEY)
    assert (state.status, state.failing_count) == ("passing", 0)
    page = _client_for(admin_user).get(f"/checks/{KEY}/").content.decode()
    assert "Moves to Jira Service Management: syncing stops on 1 Feb 2027" in page


def test_after_the_end_of_life_the_reason_says_it_ended(opsgenie, frozen) -> None:  # type: ignore[no-untyped-def]
    frozen(datetime(2027, 4, 6, 12, 0, tzinfo=UTC))
    assert _reasons(_state())["OpsGenie connection"].startswith(
        "OpsGenie ended on 5 Apr 2027, and no successor is set"
    )


def test_now_is_far_enough_to_pass(opsgenie, frozen) -> None:  # type: ignore[no-untyped-def]
    assert NOW.date().isoformat() == "2026-09-17"
    assert _state().status == "passing"
