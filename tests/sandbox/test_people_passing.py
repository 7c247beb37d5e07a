"""Time passing for the people of an emulated account: each `advance` someone joins, someone
leaves and someone changes role, deterministically, with their teams; the incidents' history is
the same whatever happens to the people."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from integrations.providers.opsgenie.sandbox.data import generate_dataset as opsgenie_dataset
from integrations.providers.opsgenie.sandbox.store import OpsGenieStore
from integrations.providers.pagerduty.sandbox.data import generate_dataset as pagerduty_dataset
from integrations.providers.pagerduty.sandbox.store import PagerDutyStore
from integrations.sandbox.server import SandboxServer
from integrations.sandbox.timeline import STEADY_USERS, AccountStore
from tests.sandbox.support import NOW, SEED


def _opsgenie() -> OpsGenieStore:
    return OpsGenieStore(opsgenie_dataset(seed=SEED, incidents=100, users=30, region="us", now=NOW))


def _pagerduty() -> PagerDutyStore:
    return PagerDutyStore(
        pagerduty_dataset(seed=SEED, incidents=100, users=30, region="us", now=NOW)
    )


STORES: dict[str, Callable[[], AccountStore]] = {"opsgenie": _opsgenie, "pagerduty": _pagerduty}


def _role(user: dict[str, Any]) -> Any:
    return user["role"]["name"] if isinstance(user["role"], dict) else user["role"]


def _email(user: dict[str, Any]) -> str:
    return str(user.get("username") or user.get("email"))


@pytest.fixture(params=list(STORES))
def make(request: pytest.FixtureRequest) -> Callable[[], AccountStore]:
    return STORES[request.param]


def test_each_hour_someone_joins_someone_leaves_and_someone_changes_role(make) -> None:  # type: ignore[no-untyped-def]
    store = make()
    before = {user["id"]: user for user in store.users()}

    people = store.advance(seed=1)["users"]

    after = {user["id"]: user for user in store.users()}
    assert [len(people[k]) for k in ("joined", "left", "role_changed")] == [1, 1, 1]
    assert set(after) == set(before) - set(people["left"]) | set(people["joined"])
    (changed,) = people["role_changed"]
    assert _role(after[changed]) != _role(before[changed])
    assert len({_email(u) for u in after.values()}) == len(after)  # e-mails stay unique
    unchanged = set(before) - set(people["left"]) - {changed}
    assert all(after[i] == before[i] for i in unchanged)


def test_the_owner_and_first_admins_never_leave_nor_change_role(make) -> None:  # type: ignore[no-untyped-def]
    store = make()
    steady = store.users()[:STEADY_USERS]
    for step in range(40):
        store.advance(changed_fraction=0, new=0, deleted=0, seed=step, people=2)
    assert store.users()[:STEADY_USERS] == steady
    assert len(store.users()) == 30


def test_the_same_state_gives_the_same_people_and_people_zero_changes_none(make) -> None:  # type: ignore[no-untyped-def]
    assert make().advance(seed=2) == make().advance(seed=2)
    assert make().advance() == make().advance()
    store = make()
    before = store.users()
    assert store.advance(seed=2, people=0)["users"] == {
        "joined": [],
        "left": [],
        "role_changed": [],
    }
    assert store.users() == before


def test_the_incidents_history_does_not_depend_on_the_people(make) -> None:  # type: ignore[no-untyped-def]
    quiet, busy = make(), make()
    for step in range(3):
        first = quiet.advance(seed=step, people=0)
        second = busy.advance(seed=step, people=3)
        assert {k: first[k] for k in ("changed", "created", "deleted", "now")} == {
            k: second[k] for k in ("changed", "created", "deleted", "now")
        }


def test_opsgenie_teams_follow_who_joins_and_who_leaves() -> None:
    store = _opsgenie()
    for step in range(6):
        store.advance(changed_fraction=0, new=0, deleted=0, seed=step, people=2)
    live = {user["id"] for user in store.users()}
    assert set(store.dataset.memberships) == live
    for team in store.teams():
        assert {user["id"] for user, _role in store.members_of(team["id"])} <= live


def test_a_pagerduty_newcomer_is_invited_now() -> None:
    store = _pagerduty()
    summary = store.advance(changed_fraction=0, new=0, deleted=0, seed=1)
    (joined,) = summary["users"]["joined"]
    newcomer = store.user(joined)
    assert newcomer is not None
    assert newcomer["invitation_sent"] is True
    assert newcomer["created_at"] == summary["now"]
    assert newcomer["role"] != "owner"


def test_given_people_can_be_removed_at_once(make) -> None:  # type: ignore[no-untyped-def]
    store = make()
    doomed = store.users()[5]
    incidents = store.incidents()
    store.remove_users({doomed["id"]})
    assert doomed["id"] not in {user["id"] for user in store.users()}
    assert len(store.users()) == 29
    assert store.incidents() == incidents  # no time passed
    if isinstance(store, OpsGenieStore):
        assert doomed["id"] not in store.dataset.memberships


def test_the_control_api_takes_how_many_people_change() -> None:
    with SandboxServer(seed=SEED, incidents=20, users=12, now=NOW) as server:
        body = {"provider": "pagerduty", "people": 2, "changed_fraction": 0}
        response = requests.post(f"{server.base_url}/_sandbox/advance", json=body, timeout=10)
        assert response.status_code == 200
        users = response.json()["users"]
        assert [len(users[k]) for k in ("joined", "left", "role_changed")] == [2, 2, 2]
