from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from integrations.providers.pagerduty.sandbox.data import generate_dataset
from integrations.providers.pagerduty.sandbox.store import PagerDutyStore, incident_notes
from integrations.sandbox.server import SandboxServer
from tests.sandbox.support import NOW


def _dataset(seed: int = 3, incidents: int = 400, region: str = "us"):
    return generate_dataset(seed=seed, incidents=incidents, users=30, region=region, now=NOW)


def test_the_same_seed_region_and_now_give_the_same_account():
    assert _dataset() == _dataset()
    assert _dataset().incidents != _dataset(seed=4).incidents
    assert _dataset().incidents != _dataset(region="eu").incidents


def test_notes_are_derived_deterministically():
    dataset = _dataset()

    first = [incident_notes(dataset, i) for i in dataset.incidents]

    assert first == [incident_notes(dataset, i) for i in dataset.incidents]
    assert any(first)


def test_the_account_has_the_expected_shape():
    dataset = _dataset()

    assert len(dataset.services) == 8
    assert len(dataset.users) == 30
    assert [i["incident_number"] for i in dataset.incidents] == list(range(1, 401))
    created = [i["created_at"] for i in dataset.incidents]
    assert created == sorted(created)
    assert created[-1] <= "2025-03-01T00:00:00Z"
    ids = [r["id"] for r in dataset.incidents + dataset.users + dataset.services + dataset.teams]
    assert len(ids) == len(set(ids))
    assert dataset.users[0]["role"] == "owner"
    assert "api.pagerduty.com" in dataset.incidents[0]["self"]
    assert "api.eu.pagerduty.com" in _dataset(region="eu").incidents[0]["self"]


def test_more_than_ten_thousand_incidents_are_generated_each_once():
    """Past the offset cap (10,000), as the sync's time-window tests need. (How fast: not a
    test's question; a timed assertion fails on a busy machine, not on slow code.)"""
    dataset = _dataset(incidents=10_050)

    assert [i["incident_number"] for i in dataset.incidents] == list(range(1, 10_051))
    assert len({i["id"] for i in dataset.incidents}) == 10_050


def test_advance_changes_creates_and_deletes_after_the_clock():
    store = PagerDutyStore(_dataset())
    before = {i["id"]: i for i in store.incidents()}
    highest = max(i["incident_number"] for i in before.values())

    outcome = store.advance(changed_fraction=0.05, new=7, deleted=3)

    after = {i["id"]: i for i in store.incidents()}
    assert len(outcome["changed"]) == 20 and len(outcome["created"]) == 7
    assert len(outcome["deleted"]) == 3
    assert not set(outcome["deleted"]) & set(after)
    for incident_id in outcome["changed"]:
        old, new = before[incident_id], after[incident_id]
        assert new["updated_at"] >= outcome["now"] > old["updated_at"]
        assert new["created_at"] == old["created_at"]
        assert new["incident_number"] == old["incident_number"]
        assert new != old
    created = [after[i] for i in outcome["created"]]
    assert [i["incident_number"] for i in created] == list(range(highest + 1, highest + 8))
    assert all(i["status"] == "triggered" and i["created_at"] >= outcome["now"] for i in created)
    assert store.incident(str(highest + 1))["id"] == outcome["created"][0]


def test_advance_replays_identically_from_the_same_state():
    one, two = PagerDutyStore(_dataset()), PagerDutyStore(_dataset())

    assert one.advance(seed=5) == two.advance(seed=5)
    assert one.incidents() == two.incidents()


@pytest.mark.parametrize(
    "options", [{"changed_fraction": 2}, {"new": -1}, {"deleted": 10_000}, {"seed": "x"}]
)
def test_advance_rejects_unusable_options(options: dict):
    with pytest.raises(ValueError):
        PagerDutyStore(_dataset()).advance(**options)


def test_the_control_api_advances_a_pagerduty_region_only():
    server = SandboxServer(seed=2, incidents=10, users=5, now=NOW, pagerduty_incidents=50)
    with server:
        opsgenie_before = server.opsgenie_stores["us"].incidents()
        eu_before = server.pagerduty_stores["eu"].incidents()

        answer = requests.post(
            f"{server.base_url}/_sandbox/advance",
            json={"provider": "pagerduty", "region": "us", "new": 2},
            timeout=10,
        )
        bad = requests.post(
            f"{server.base_url}/_sandbox/advance", json={"provider": "jira"}, timeout=10
        )

        assert answer.status_code == 200
        assert len(answer.json()["created"]) == 2
        assert len(server.pagerduty_stores["us"].incidents()) == 52
        assert server.opsgenie_stores["us"].incidents() == opsgenie_before
        assert server.pagerduty_stores["eu"].incidents() == eu_before
        assert bad.status_code == 400
        # The OpsGenie default is unchanged.
        assert server.advance(new=1)["created"][0] in {
            i["id"] for i in server.opsgenie_stores["us"].incidents()
        }


def test_keys_and_urls_are_published(sandbox: SandboxServer):
    described = requests.get(f"{sandbox.base_url}/_sandbox/keys", timeout=10).json()

    assert described["pagerduty_us_url"] == sandbox.pagerduty_url("us")
    assert described["pagerduty_eu_url"] == sandbox.pagerduty_url("eu")
    assert described["keys"]["pagerduty_us"] == sandbox.keys.pagerduty_us
    assert described["keys"]["pagerduty_us_oauth"] == sandbox.keys.pagerduty_us_oauth


def test_a_new_region_now_is_used_for_the_default_clock():
    dataset = generate_dataset(seed=1, incidents=3, users=2, region="eu", now=datetime(2025, 1, 1))
    assert dataset.now_s == int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
