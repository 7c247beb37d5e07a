"""Time passing for the emulated accounts' configuration: each hour one OpsGenie heartbeat stops
being pinged (its last ping stays, it expires) while the others keep being pinged, and one
schedule an escalation uses gets a gap, in OpsGenie and PagerDuty alike; the same seed on the
same state gives the same changes."""

from __future__ import annotations

import pytest

from integrations.providers.opsgenie.sandbox.config_data import timeline
from integrations.providers.opsgenie.sandbox.data import generate_dataset as opsgenie_dataset
from integrations.providers.opsgenie.sandbox.data import parse_iso_ms
from integrations.providers.opsgenie.sandbox.store import OpsGenieStore
from integrations.providers.pagerduty.sandbox.config import account_config, entries
from integrations.providers.pagerduty.sandbox.data import generate_dataset as pagerduty_dataset
from integrations.providers.pagerduty.sandbox.data import parse_iso_s
from integrations.providers.pagerduty.sandbox.store import PagerDutyStore
from integrations.sandbox import config_passing
from tests.sandbox.support import NOW, SEED

DAY_MS = 86_400_000


def _opsgenie() -> OpsGenieStore:
    return OpsGenieStore(opsgenie_dataset(seed=SEED, incidents=50, users=20, region="us", now=NOW))


def _pagerduty() -> PagerDutyStore:
    return PagerDutyStore(
        pagerduty_dataset(seed=SEED, incidents=50, users=20, region="us", now=NOW)
    )


def test_the_same_seed_gives_the_same_configuration_history() -> None:
    first, second = _opsgenie(), _opsgenie()
    assert first.advance(seed=2)["configuration"] == second.advance(seed=2)["configuration"]
    assert first.configuration == second.configuration
    assert _pagerduty().advance(seed=2) == _pagerduty().advance(seed=2)


def test_a_stopped_heartbeat_keeps_its_last_ping_and_expires_the_others_are_pinged() -> None:
    store = _opsgenie()
    before = {beat["name"]: beat for beat in store.configuration.heartbeats}
    alive = {name for name, beat in before.items() if beat["enabled"] and not beat["expired"]}

    (stopped,) = store.advance(seed=1)["configuration"]["heartbeats_stopped"]

    after = {beat["name"]: beat for beat in store.configuration.heartbeats}
    assert stopped in alive
    assert after[stopped]["lastPingTime"] == before[stopped]["lastPingTime"]
    assert after[stopped]["expired"] is True
    for name in alive - {stopped}:
        assert after[name]["lastPingTime"] > before[name]["lastPingTime"]
        assert after[name]["expired"] is False
    # Already expired or disabled: unchanged.
    for name in set(before) - alive:
        assert after[name] == before[name]
    # Each hour another one stops, until none is left.
    stops = [store.advance(seed=n)["configuration"]["heartbeats_stopped"] for n in range(2, 6)]
    assert len({name for names in stops for name in names} | {stopped}) == len(alive)
    assert stops[-1] == []
    assert all(beat["expired"] for beat in store.configuration.heartbeats if beat["enabled"])


def test_an_opsgenie_schedule_gets_a_gap_nobody_covers() -> None:
    store = _opsgenie()
    (gap,) = store.advance(seed=1)["configuration"]["schedule_gaps"]

    schedule = store.schedule(gap["schedule"])
    assert schedule is not None
    lower, upper = parse_iso_ms(gap["from"]), parse_iso_ms(gap["to"])
    assert DAY_MS <= upper - lower <= 2 * DAY_MS
    assert store.now_ms < lower < store.now_ms + 10 * DAY_MS
    periods = [
        (parse_iso_ms(p["startDate"]), parse_iso_ms(p["endDate"]))
        for rotation in timeline(schedule, start_ms=store.now_ms, end_ms=store.now_ms + 14 * DAY_MS)
        for p in rotation["periods"]
    ]
    assert not any(start < upper and end > lower for start, end in periods)
    assert any(end == lower for _, end in periods) and any(start == upper for start, _ in periods)
    used = {rule["recipient"]["id"] for e in store.configuration.escalations for rule in e["rules"]}
    assert gap["schedule"] in used


def test_an_escalation_is_cut_down_to_its_schedule_s_first_person(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(config_passing, "TRIM_CHANCE", 1.0)
    store = _opsgenie()
    before = {e["id"]: e for e in store.configuration.escalations}

    changed = store.advance(seed=1)["configuration"]

    (trimmed,) = changed["escalations_trimmed"]
    old = before[trimmed]
    schedule = store.schedule(old["rules"][0]["recipient"]["id"])
    assert schedule is not None and len(schedule["rotations"]) == 1  # not the one with a new gap
    first = schedule["rotations"][0]["participants"][0]
    (rule,) = next(e for e in store.configuration.escalations if e["id"] == trimmed)["rules"]
    assert rule["recipient"] == {"type": "user", "id": first["id"], "username": first["username"]}
    after = next(e for e in store.configuration.escalations if e["id"] == trimmed)
    assert after["repeat"]["count"] == 0 and old["repeat"]["count"] > 0
    assert [e for e in store.configuration.escalations if e["id"] != trimmed] == [
        e for e in before.values() if e["id"] != trimmed
    ]


def test_a_pagerduty_schedule_gets_a_gap_in_its_final_schedule() -> None:
    store = _pagerduty()
    (gap,) = store.advance(seed=1)["configuration"]["schedule_gaps"]

    config = account_config(store.dataset, store.users())
    lower, upper = parse_iso_s(gap["from"]), parse_iso_s(gap["to"])
    final = entries(config.layers[gap["schedule"]], store.now_s, store.now_s + 14 * 86_400)
    spans = [(parse_iso_s(e["start"]), parse_iso_s(e["end"])) for e in final]
    assert not any(start < upper and end > lower for start, end in spans)
    assert any(end == lower for _, end in spans) and any(start == upper for start, _ in spans)
    # Each used schedule gets at most one; then no more gaps appear.
    later = [store.advance(seed=n)["configuration"]["schedule_gaps"] for n in range(2, 6)]
    assert later[-1] == []
    assert gap["schedule"] not in {g["schedule"] for gaps in later for g in gaps}
