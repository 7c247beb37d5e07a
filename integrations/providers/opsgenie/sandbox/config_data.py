"""The sandbox account's configuration objects: escalations, schedules with rotations,
heartbeats and integrations (reference/opsgenie-api.md §5), shaped exactly like the API's JSON.

They are drawn from a random stream of their own (keyed by the region and the account's first
team id, which the seed decides), so the rest of the account is the same with or without them;
the same people and teams as the incidents appear in them. The data ships on purpose:

- the "Data" schedule has a gap: its first rotation ends in 5 days, the next starts in 7;
- the "Équipe Support" team has no escalation (its service "Kundenportal" has no path);
- the "Mobile" escalation notifies one person once (no second rule, no repeat);
- one heartbeat has expired (no ping for three days) and one is disabled.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any, Final

from integrations.providers.opsgenie.sandbox.data import HOUR_MS, Record, iso_ms, parse_iso_ms

DAY_MS: Final = 24 * HOUR_MS
WEEK_MS: Final = 7 * DAY_MS
ROTATION_MS: Final = {"hourly": HOUR_MS, "daily": DAY_MS, "weekly": WEEK_MS}

GAP_TEAM: Final = "Data"  # its schedule has a gap of two days, from 5 to 7 days from now
NO_ESCALATION_TEAM: Final = "Équipe Support"
SINGLE_PERSON_TEAM: Final = "Mobile"
GAP_STARTS_DAYS: Final = 5
GAP_ENDS_DAYS: Final = 7

# (name, owning team, interval, unit, enabled, days since the last ping or None for recent)
_HEARTBEATS: Final = (
    ("checkout-api-cron", "Payments", 10, "minutes", True, None),
    ("nightly-backups", "Data", 1, "days", True, 3),  # expired: no ping for three days
    ("edge-cdn-probe", "Platform", 5, "minutes", False, None),  # disabled
    ("kube-api-ping", "Platform", 1, "minutes", True, None),
    ("sso-login-probe", "Security", 15, "minutes", True, None),
)
# (name, type, owning team or None for a global integration, enabled)
_INTEGRATIONS: Final = (
    ("Sandbox API integration", "API", None, True),
    ("Datadog", "Datadog", "Platform", True),
    ("Prometheus", "Prometheus", "SRE", True),
    ("Support mailbox", "Email", "Équipe Support", False),
    ("Jira Payments", "Jira", "Payments", True),
    ("Default API", "API", "Security", True),
)


@dataclass
class OpsGenieConfiguration:
    escalations: list[Record] = field(default_factory=list)
    schedules: list[Record] = field(default_factory=list)  # with their rotations
    heartbeats: list[Record] = field(default_factory=list)
    integrations: list[Record] = field(default_factory=list)
    # Names of the heartbeats nothing pings any more (config_passing leaves their last ping).
    silent: set[str] = field(default_factory=set)


def new_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


_uuid = new_uuid

UNIT_MS: Final = {"minutes": 60_000, "hours": HOUR_MS, "days": DAY_MS}


def interval_ms(heartbeat: Record) -> int:
    """How long a heartbeat may go unpinged before it expires."""
    return int(heartbeat["interval"]) * UNIT_MS[heartbeat["intervalUnit"]]


def _day_start(now_ms: int) -> int:
    return now_ms - now_ms % DAY_MS


def generate_configuration(
    *,
    region: str,
    now_ms: int,
    teams: list[Record],
    users: list[Record],
    memberships: dict[str, list[tuple[str, str]]],
) -> OpsGenieConfiguration:
    first = teams[0]["id"] if teams else ""
    rng = random.Random(f"opsgenie-configuration:{region}:{first}")
    config = OpsGenieConfiguration()
    for team in teams:
        people = _people_of(rng, team, users, memberships)
        schedule = _schedule(rng, team, people, now_ms)
        config.schedules.append(schedule)
        if team["name"] != NO_ESCALATION_TEAM:
            config.escalations.append(_escalation(rng, team, people, schedule))
    by_name = {team["name"]: team for team in teams}
    for name, team_name, interval, unit, enabled, silent_days in _HEARTBEATS:
        if silent_days is not None:
            config.silent.add(name)
        config.heartbeats.append(
            _heartbeat(
                rng, name, by_name.get(team_name), interval, unit, enabled, silent_days, now_ms
            )
        )
    for name, kind, team_name, enabled in _INTEGRATIONS:
        item: Record = {"id": _uuid(rng), "name": name, "enabled": enabled, "type": kind}
        team = by_name.get(team_name) if team_name else None
        if team is not None:
            item["teamId"] = team["id"]
        config.integrations.append(item)
    return config


def _people_of(
    rng: random.Random,
    team: Record,
    users: list[Record],
    memberships: dict[str, list[tuple[str, str]]],
) -> list[Record]:
    """Up to three of the team's members; two of the account's people for an empty team."""
    members = [u for u in users if any(t == team["id"] for t, _ in memberships.get(u["id"], []))]
    if not members:
        members = rng.sample(users, min(2, len(users)))
    return members[:3]


def _owner(team: Record) -> Record:
    return {"id": team["id"], "name": team["name"]}


def _participant(user: Record) -> Record:
    return {"type": "user", "id": user["id"], "username": user["username"]}


def _schedule(rng: random.Random, team: Record, people: list[Record], now_ms: int) -> Record:
    today = _day_start(now_ms)
    kind = rng.choice(("weekly", "weekly", "daily"))
    rotation: Record = {
        "id": _uuid(rng),
        "name": f"{team['name']} primary",
        "startDate": iso_ms(today - 28 * DAY_MS),
        "type": kind,
        "length": 1,
        "participants": [_participant(person) for person in people],
    }
    rotations = [rotation]
    if team["name"] == GAP_TEAM:
        # The primary rotation ends, and the next one starts two days later: nobody is on call
        # in between (readiness check "On-call schedules have no coverage gaps").
        rotation["endDate"] = iso_ms(today + GAP_STARTS_DAYS * DAY_MS)
        rotations.append(
            {
                "id": _uuid(rng),
                "name": f"{team['name']} new rotation",
                "startDate": iso_ms(today + GAP_ENDS_DAYS * DAY_MS),
                "type": "weekly",
                "length": 1,
                "participants": [_participant(person) for person in reversed(people)],
            }
        )
    return {
        "id": _uuid(rng),
        "name": f"{team['name']} on call",
        "description": f"Who answers for {team['name']}.",
        "timezone": rng.choice(("Europe/London", "America/New_York", "Europe/Berlin")),
        "enabled": True,
        "ownerTeam": _owner(team),
        "rotations": rotations,
    }


def _escalation(rng: random.Random, team: Record, people: list[Record], schedule: Record) -> Record:
    rules: list[Record] = []
    repeat = {
        "waitInterval": 0,
        "count": 0,
        "resetRecipientStates": False,
        "closeAlertAfterAll": False,
    }
    if team["name"] == SINGLE_PERSON_TEAM and people:
        rules.append(_rule(0, "user", people[0]))
    else:
        rules.append(
            _rule(0, "schedule", {"id": schedule["id"], "name": schedule["name"]}, "default")
        )
        rules.append(_rule(rng.choice((5, 10, 15)), "team", _owner(team), "admins"))
        repeat = {**repeat, "waitInterval": 10, "count": rng.choice((1, 2, 3))}
    return {
        "id": _uuid(rng),
        "name": f"{team['name']}_escalation",
        "description": f"Escalation of {team['name']}.",
        "ownerTeam": _owner(team),
        "rules": rules,
        "repeat": repeat,
    }


def _rule(minutes: int, kind: str, target: Record, notify: str = "default") -> Record:
    if kind == "user":
        recipient = {"type": "user", "id": target["id"], "username": target["username"]}
    else:
        recipient = {"type": kind, "id": target["id"], "name": target["name"]}
    return {
        "condition": "if-not-acked",
        "notifyType": notify,
        "delay": {"timeAmount": minutes, "timeUnit": "minutes"},
        "recipient": recipient,
    }


def _heartbeat(
    rng: random.Random,
    name: str,
    team: Record | None,
    interval: int,
    unit: str,
    enabled: bool,
    silent_days: int | None,
    now_ms: int,
) -> Record:
    unit_ms = UNIT_MS[unit]
    since = (
        silent_days * DAY_MS if silent_days is not None else rng.randrange(1, unit_ms * interval)
    )
    item: Record = {
        "name": name,
        "description": f"Pinged by {name}.",
        "interval": interval,
        "intervalUnit": unit,
        "enabled": enabled,
        "expired": enabled and since > interval * unit_ms,
        "lastPingTime": iso_ms(now_ms - since),
        "alertMessage": f"HeartbeatExpired: {name}",
        "alertTags": ["heartbeat"],
        "alertPriority": "P3",
    }
    if team is not None:
        item["ownerTeam"] = _owner(team)
    return item


def timeline(schedule: Record, *, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
    """``finalTimeline.rotations`` of one schedule between two instants: each rotation's
    periods, cut to the window and to the rotation's own start and end (Guess: upstream's cut
    at the window's edges is unconfirmed)."""
    rotations = []
    for order, rotation in enumerate(schedule.get("rotations", []), start=1):
        step = ROTATION_MS[rotation["type"]] * rotation["length"]
        begin = parse_iso_ms(rotation["startDate"])
        finish = parse_iso_ms(rotation["endDate"]) if rotation.get("endDate") else end_ms
        people = rotation["participants"]
        periods = []
        turn = max(0, (start_ms - begin) // step)
        while people and begin + turn * step < min(end_ms, finish):
            lower = max(begin + turn * step, start_ms, begin)
            upper = min(begin + (turn + 1) * step, end_ms, finish)
            if upper > lower:
                person = people[turn % len(people)]
                periods.append(
                    {
                        "startDate": iso_ms(lower),
                        "endDate": iso_ms(upper),
                        "type": "default",
                        "recipient": {
                            "id": person["id"],
                            "type": "user",
                            "name": person["username"],
                        },
                    }
                )
            turn += 1
        rotations.append(
            {"id": rotation["id"], "name": rotation["name"], "order": order, "periods": periods}
        )
    return rotations
