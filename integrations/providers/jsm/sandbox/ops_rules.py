"""The sandbox site's team routing rules and audit logs, drawn after (and from) the teams,
escalations, schedules, heartbeats and integrations ``ops_data`` made, so every rule routes to
its team's own escalation or schedule and every log entry names an object the API serves.
Shapes are ``Guess:`` (read as OpsGenie's): a rule is ``{id, name, order, isDefault, timezone,
criteria, timeRestriction, notify{type, id}}``; a log entry ``{id, createdAt, owner{accountId,
name}, category, log}``. Ships on purpose: team "Platform" drops alerts tagged ``test`` (a rule
routing to nobody)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from typing import Final

from integrations.providers.jsm.sandbox.data import HOUR_MS, Record, ops_time

NOBODY_TEAM: Final = "Platform"
LOG_COUNT: Final = 240  # more than two pages and fewer than a run's bound
LOG_SPAN_DAYS: Final = 30
LOG_NAMESPACE: Final = uuid.UUID("6b0d7a52-3c1e-4a7e-9f43-5d1f0c2b8e11")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _match_all(*conditions: Record) -> Record:
    if not conditions:
        return {"type": "match-all"}
    return {"type": "match-all-conditions", "conditions": list(conditions)}


def _condition(field: str, operation: str, expected: str) -> Record:
    return {"field": field, "operation": operation, "expectedValue": expected, "not": False}


def routing_rules(
    rng: random.Random, team: Record, escalation: Record, schedule: Record
) -> list[Record]:
    """A team's rules, in order: its P1 alerts to its escalation, (Platform) its test alerts
    to nobody, the rest (the default rule) to its schedule."""
    name = team["teamName"]
    rules = [
        ("P1 alerts", _match_all(_condition("priority", "equals", "P1")), "escalation", escalation)
    ]
    if name == NOBODY_TEAM:
        rules.append(
            ("Drop test alerts", _match_all(_condition("tags", "contains", "test")), "none", None)
        )
    rules.append(("Default", _match_all(), "schedule", schedule))
    found = []
    for order, (rule_name, criteria, kind, target) in enumerate(rules):
        notify: Record = {"type": kind}
        if target is not None:
            notify["id"] = target["id"]
        found.append(
            {
                "id": _uuid(rng),
                "name": f"{name}: {rule_name}",
                "order": order,
                "isDefault": rule_name == "Default",
                "timezone": "Europe/Berlin",
                "criteria": criteria,
                "timeRestriction": None,
                "notify": notify,
            }
        )
    return found


def audit_logs(
    rng: random.Random,
    *,
    now_ms: int,
    people: Sequence[Record],
    teams: Sequence[Record],
    objects: Mapping[str, Sequence[str]],
) -> list[Record]:
    """``LOG_COUNT`` entries over the last ``LOG_SPAN_DAYS`` days, newest first: a person
    changing one of ``objects`` (category → the names of its objects) or a team's members."""
    categories = sorted(objects)
    span = LOG_SPAN_DAYS * 24 * HOUR_MS
    moments = sorted((now_ms - rng.randrange(span) for _ in range(LOG_COUNT)), reverse=True)
    found = []
    for moment in moments:
        person = rng.choice(people)
        category = rng.choice([*categories, "Team"])
        if category == "Team":
            team, member = rng.choice(teams), rng.choice(people)
            text = f"User [{member['name']}] was added to team [{team['teamName']}]"
        else:
            what = rng.choice(("created", "updated", "updated", "enabled"))
            text = f"{category} [{rng.choice(objects[category])}] was {what}"
        found.append(log_entry(moment, person, category, text))
    return found


def log_entry(moment_ms: int, person: Record, category: str, text: str) -> Record:
    """One entry; its id derived from what it says, so no random draw is spent on it."""
    key = f"{moment_ms}:{person['accountId']}:{text}"
    return {
        "id": str(uuid.uuid5(LOG_NAMESPACE, key)),
        "createdAt": ops_time(moment_ms),
        "owner": {"accountId": person["accountId"], "name": person["name"]},
        "category": category,
        "log": text,
    }
