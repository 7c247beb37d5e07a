"""How the site's Operations data changes as time passes (``JsmStore.advance``), as the OpsGenie
and PagerDuty emulators' configuration does (the draws are shared: ``integrations.sandbox.
config_passing``). Each emulated hour moves the Operations clock on by an hour, and:

- one enabled heartbeat still responsive (while any is left) stops being pinged: its status
  becomes "Expired";
- one schedule an escalation notifies and that has no gap yet (while any is left) gets one,
  between 2 and 9 days from the new clock, for one or two days (a ``noone`` responder in its
  timeline);
- one hour in four or so, one escalation that repeats and notifies a schedule with no gap is cut
  down to that schedule's first person, once, with no repeat;
- each escalation cut down and each schedule given a gap is written to the audit log (newest
  first), by the team's first member, at the new clock;
- alerts: one open alert not yet acknowledged is acknowledged, another open one is closed, and
  one to three new ones are raised (open, unacknowledged): the draws OpsGenie's alerts share
  (``integrations.sandbox.alert_passing``).

Records, lists and maps are replaced, never mutated: the API's handlers may hold them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from integrations.providers.jsm.sandbox.data import (
    DAY_MS,
    HOUR_MS,
    Record,
    make_alert,
    ops_time,
)
from integrations.providers.jsm.sandbox.ops_data import GAP_TEAM, OpsConfiguration
from integrations.providers.jsm.sandbox.ops_rules import log_entry
from integrations.sandbox.alert_passing import ACKNOWLEDGED
from integrations.sandbox.alert_passing import pass_alerts as shared_pass_alerts
from integrations.sandbox.config_passing import gap_window, stopping, trims


def pass_configuration(rng: random.Random, config: OpsConfiguration) -> dict[str, list[Any]]:
    """One hour's changes to ``config``; what changed, for advance()'s ``configuration``."""
    config.now_ms += HOUR_MS
    stopped = _heartbeats(rng, config)
    gap = _schedule_gap(rng, config)
    trimmed = _escalation_trimmed(rng, config)
    _logged(config, gap, trimmed)
    return {"heartbeats_stopped": stopped, "schedule_gaps": gap, "escalations_trimmed": trimmed}


def _logged(config: OpsConfiguration, gaps: list[dict[str, str]], trimmed: list[str]) -> None:
    """The hour's changes to schedules and escalations as audit log entries (no draw spent)."""
    teams = {team["teamId"]: team for team in config.teams}
    entries = []
    for gap in gaps:
        schedule = next(s for s in config.schedules if s["id"] == gap["schedule"])
        who = teams[schedule["teamId"]]["members"][0]
        text = f"Schedule [{schedule['name']}] override was added"
        entries.append(log_entry(config.now_ms, who, "Schedule", text))
    for team_id, escalations in config.escalations.items():
        for escalation in escalations:
            if escalation["id"] in trimmed:
                who = teams[team_id]["members"][0]
                text = f"Escalation [{escalation['name']}] was updated"
                entries.append(log_entry(config.now_ms, who, "Escalation", text))
    if entries:
        config.logs = [*entries, *config.logs]


def _heartbeats(rng: random.Random, config: OpsConfiguration) -> list[str]:
    live = [
        beat["name"]
        for team in config.teams
        for beat in config.heartbeats.get(team["teamId"], [])
        if beat["enabled"] and beat["status"] == "Responsive"
    ]
    stopped = stopping(rng, live)
    config.heartbeats = {
        team_id: [
            {**beat, "status": "Expired"} if beat["name"] in stopped else beat for beat in beats
        ]
        for team_id, beats in config.heartbeats.items()
    }
    return stopped


def _used_schedules(config: OpsConfiguration) -> set[str]:
    return {
        rule["recipient"]["id"]
        for escalations in config.escalations.values()
        for escalation in escalations
        for rule in escalation["rules"]
        if rule["recipient"]["type"] == "schedule"
    }


def _without_gap(config: OpsConfiguration, schedule_id: str) -> list[str]:
    """The schedule's people when it has no gap yet, else []."""
    people, gap = config.rotations.get(schedule_id, ([], None))
    return [] if gap else people


def _schedule_gap(rng: random.Random, config: OpsConfiguration) -> list[dict[str, str]]:
    used = _used_schedules(config)
    teams = {team["teamId"]: team["teamName"] for team in config.teams}
    candidates = [
        schedule
        for schedule in config.schedules
        if schedule["id"] in used
        and teams.get(schedule["teamId"]) != GAP_TEAM
        and _without_gap(config, schedule["id"])
    ]
    if not candidates:
        return []
    schedule = rng.choice(candidates)
    start, end = gap_window(rng, config.now_ms, day=DAY_MS, hour=HOUR_MS)
    people, _none = config.rotations[schedule["id"]]
    config.rotations = {**config.rotations, schedule["id"]: (people, (start, end))}
    return [{"schedule": schedule["id"], "from": ops_time(start), "to": ops_time(end)}]


def _escalation_trimmed(rng: random.Random, config: OpsConfiguration) -> list[str]:
    if not trims(rng):
        return []

    def first_person(escalation: Record) -> str:
        for rule in escalation["rules"]:
            if rule["recipient"]["type"] == "schedule":
                people = _without_gap(config, rule["recipient"]["id"])
                if people:
                    return people[0]
        return ""

    candidates = [
        (team_id, index)
        for team_id, escalations in config.escalations.items()
        for index, escalation in enumerate(escalations)
        if escalation["repeat"].get("count") and first_person(escalation)
    ]
    if not candidates:
        return []
    team_id, index = rng.choice(candidates)
    escalation = config.escalations[team_id][index]
    rule = {
        **escalation["rules"][0],
        "delay": {"timeAmount": 0, "timeUnit": "minutes"},
        "notifyType": "default",
        "recipient": {"type": "user", "id": first_person(escalation)},
    }
    cut = {
        **escalation,
        "rules": [rule],
        "repeat": {**escalation["repeat"], "waitInterval": 0, "count": 0},
    }
    escalations = list(config.escalations[team_id])
    escalations[index] = cut
    config.escalations = {**config.escalations, team_id: escalations}
    return [escalation["id"]]


def pass_alerts(
    rng: random.Random, alerts: list[Record], stamp: Callable[[], int]
) -> tuple[list[Record], dict[str, list[str]]]:
    """One hour's alerts (``integrations.sandbox.alert_passing``: one acknowledged, one closed,
    new ones raised), each at its own ``stamp()`` (later than anything before, so
    ``createdAt``/``updatedAt >=`` finds them); the new list and what changed, for advance()'s
    ``alerts``. A closed alert was acknowledged, as the site's others are."""

    def changed(alert: Record, kind: str, at_ms: int) -> Record:
        done = {"acknowledged": True} if kind == ACKNOWLEDGED else {"status": "closed"}
        return {**alert, **done, "acknowledged": True, "updatedAt": ops_time(at_ms)}

    def raised(tiny: int, at_ms: int) -> Record:
        return {**make_alert(rng, tiny, at_ms, at_ms, "open"), "acknowledged": False}

    tiny = max((int(alert["tinyId"]) for alert in alerts), default=0)
    hour = shared_pass_alerts(
        rng, alerts, next_tiny=tiny + 1, stamp=stamp, changed=changed, raised=raised
    )
    # Newest first, as the site holds them.
    return [*reversed(hour.created), *hour.alerts], hour.summary
