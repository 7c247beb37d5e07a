"""How the sandbox account's configuration changes as time passes (``OpsGenieStore.advance``).

Each hour, from a random stream of its own (so the incidents' and people's history is the same
whatever happens here):

(What is drawn, and when, is shared with the other emulators: ``integrations.sandbox.
config_passing``.)

- every enabled heartbeat still pinged gets a ping within its interval before the new clock,
  but one of them (while any is left) stops being pinged: its ``lastPingTime`` stays where it
  was, and it is ``expired`` once that is longer ago than its interval (at once for the
  sandbox's minute-long ones);
- one schedule an escalation notifies and that has no gap yet (while any is left) gets one: its
  primary rotation ends between 2 and 9 days from now and a new rotation of the same people
  starts one or two days later, as when a team re-plans its rotation and leaves a hole;
- one hour in four or so (a draw of the same stream), one escalation that repeats and
  notifies a schedule with no gap is cut down to its schedule's first person, once, with no
  repeat: nobody else is told if they do not answer. Rarer than gaps, since the schedule it no
  longer notifies cannot get one any more.

Records are replaced by new dicts and the lists swapped, never mutated: readers may hold them.
"""

from __future__ import annotations

import random
from typing import Any

from integrations.providers.opsgenie.sandbox.config_data import (
    DAY_MS,
    GAP_TEAM,
    OpsGenieConfiguration,
    interval_ms,
    new_uuid,
)
from integrations.providers.opsgenie.sandbox.data import HOUR_MS, Record, iso_ms, parse_iso_ms
from integrations.sandbox.config_passing import gap_window, stopping, trims


def pass_configuration(
    rng: random.Random, config: OpsGenieConfiguration, *, now_ms: int
) -> dict[str, list[Any]]:
    """Apply one hour's configuration changes at ``now_ms``; what changed, for advance()."""
    stopped = _heartbeats(rng, config, now_ms)
    gap = _schedule_gap(rng, config, now_ms)
    trimmed = _escalation_trimmed(rng, config)
    return {"heartbeats_stopped": stopped, "schedule_gaps": gap, "escalations_trimmed": trimmed}


def _heartbeats(rng: random.Random, config: OpsGenieConfiguration, now_ms: int) -> list[str]:
    live = [b["name"] for b in config.heartbeats if b["enabled"] and b["name"] not in config.silent]
    stopped = stopping(rng, live)
    config.silent.update(stopped)
    beats = []
    for beat in config.heartbeats:
        every = interval_ms(beat)
        record = dict(beat)
        if beat["enabled"] and beat["name"] not in config.silent:
            record["lastPingTime"] = iso_ms(now_ms - rng.randrange(1, every))
        record["expired"] = (
            beat["enabled"] and now_ms - parse_iso_ms(record["lastPingTime"]) > every
        )
        beats.append(record)
    config.heartbeats = beats
    return stopped


def _schedule_gap(
    rng: random.Random, config: OpsGenieConfiguration, now_ms: int
) -> list[dict[str, str]]:
    used = {
        rule["recipient"]["id"]
        for escalation in config.escalations
        for rule in escalation["rules"]
        if rule["recipient"]["type"] == "schedule"
    }
    candidates = [
        index
        for index, schedule in enumerate(config.schedules)
        if schedule["id"] in used
        and schedule["ownerTeam"]["name"] != GAP_TEAM
        and len(schedule.get("rotations", [])) == 1
        and not schedule["rotations"][0].get("endDate")
        and schedule["rotations"][0]["participants"]
    ]
    if not candidates:
        return []
    index = rng.choice(candidates)
    schedule = config.schedules[index]
    start, end = gap_window(rng, now_ms, day=DAY_MS, hour=HOUR_MS)
    (primary,) = schedule["rotations"]
    team = schedule["ownerTeam"]["name"]
    successor: Record = {
        **primary,
        "id": new_uuid(rng),
        "name": f"{team} re-planned rotation",
        "startDate": iso_ms(end),
        "participants": list(reversed(primary["participants"])),
    }
    rotations = [{**primary, "endDate": iso_ms(start)}, successor]
    schedules = list(config.schedules)
    schedules[index] = {**schedule, "rotations": rotations}
    config.schedules = schedules
    return [{"schedule": schedule["id"], "from": iso_ms(start), "to": iso_ms(end)}]


def _escalation_trimmed(rng: random.Random, config: OpsGenieConfiguration) -> list[str]:
    if not trims(rng):
        return []
    schedules = {schedule["id"]: schedule for schedule in config.schedules}

    def first_person(escalation: Record) -> Record | None:
        for rule in escalation["rules"]:
            schedule = schedules.get(rule["recipient"]["id"])
            if rule["recipient"]["type"] == "schedule" and schedule is not None:
                rotations = schedule.get("rotations", [])
                if len(rotations) == 1 and rotations[0]["participants"]:
                    return dict(rotations[0]["participants"][0])
        return None

    candidates = [
        index
        for index, escalation in enumerate(config.escalations)
        if escalation["repeat"].get("count") and first_person(escalation) is not None
    ]
    if not candidates:
        return []
    index = rng.choice(candidates)
    escalation = config.escalations[index]
    person = first_person(escalation)
    assert person is not None  # a candidate has one
    rule = {
        **escalation["rules"][0],
        "delay": {"timeAmount": 0, "timeUnit": "minutes"},
        "notifyType": "default",
        "recipient": {"type": "user", "id": person["id"], "username": person["username"]},
    }
    escalations = list(config.escalations)
    escalations[index] = {
        **escalation,
        "rules": [rule],
        "repeat": {**escalation["repeat"], "waitInterval": 0, "count": 0},
    }
    config.escalations = escalations
    return [escalation["id"]]
