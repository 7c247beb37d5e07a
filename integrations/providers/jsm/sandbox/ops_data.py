"""The sandbox site's Operations configuration: the OpsGenie sandbox's teams after their move to
JSM (same names, Atlassian accountIds for people), each with a schedule, escalations, routing
rules and heartbeats, the account's integrations and its audit logs (``ops_rules``), shaped
like the Ops API's JSON (``Guess:`` where the public pages show no example). Drawn from a
random stream of their own, so the work items and alerts are the same with or without them.
The data ships on purpose:

- the "Data" schedule has a gap: nobody (a ``noone`` responder) from 5 to 7 days from now;
- the "Mobile" escalation notifies one person once (no second rule, no repeat);
- the "nightly-backups" heartbeat has expired and "edge-cdn-probe" is disabled;
- team "Platform" has a routing rule that routes its test alerts to nobody.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Final

from integrations.providers.jsm.sandbox.data import DAY_MS, Record, jira_time
from integrations.providers.jsm.sandbox.ops_rules import audit_logs, routing_rules

GAP_TEAM: Final = "Data"
SINGLE_PERSON_TEAM: Final = "Mobile"
GAP_STARTS_DAYS: Final = 5
GAP_ENDS_DAYS: Final = 7
# The OpsGenie sandbox's teams, moved.
TEAM_NAMES: Final = ("Payments", "Platform", "Data", "Security", "SRE", "Mobile")
_PEOPLE: Final = (
    "Ana García",
    "Ben Okafor",
    "Chen Wei",
    "Dana Levi",
    "Eva Novak",
    "Farid Haddad",
    "Grace Kim",
    "Hugo Laurent",
)
# (name, owning team, interval, unit, enabled, status)
HEARTBEATS: Final = (
    ("checkout-api-cron", "Payments", 10, "minutes", True, "Responsive"),
    ("nightly-backups", "Data", 1, "days", True, "Expired"),
    ("edge-cdn-probe", "Platform", 5, "minutes", False, "Responsive"),
    ("kube-api-ping", "Platform", 1, "minutes", True, "Responsive"),
    ("sso-login-probe", "Security", 15, "minutes", True, "Responsive"),
)
# (name, type, owning team or None for a global one, enabled)
INTEGRATIONS: Final = (
    ("Default API", "API", None, True),
    ("Datadog", "Datadog", "Platform", True),
    ("Prometheus", "Prometheus", "SRE", True),
    ("Jira Payments", "Jira", "Payments", True),
    ("Email (Security)", "Email", "Security", False),
)


@dataclass
class OpsConfiguration:
    teams: list[Record] = field(default_factory=list)
    people: list[Record] = field(default_factory=list)
    # teamId -> its escalations / heartbeats
    escalations: dict[str, list[Record]] = field(default_factory=dict)
    heartbeats: dict[str, list[Record]] = field(default_factory=dict)
    schedules: list[Record] = field(default_factory=list)
    # scheduleId -> (participants' accountIds, gap as (start ms, end ms) or None)
    rotations: dict[str, tuple[list[str], tuple[int, int] | None]] = field(default_factory=dict)
    integrations: list[Record] = field(default_factory=list)
    # teamId -> its routing rules, in order
    routing_rules: dict[str, list[Record]] = field(default_factory=dict)
    # The audit log, newest first.
    logs: list[Record] = field(default_factory=list)
    now_ms: int = 0


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate_ops(*, seed: int, now_ms: int) -> OpsConfiguration:
    rng = random.Random(f"jsm-ops:{seed}:{now_ms}")
    config = OpsConfiguration(now_ms=now_ms)
    config.people = [
        {"accountId": f"712020:{_uuid(rng)}", "name": name, "type": "user"} for name in _PEOPLE
    ]
    by_name: dict[str, Record] = {}
    for index, name in enumerate(TEAM_NAMES):
        members = [config.people[(index + k) % len(config.people)] for k in range(3)]
        team = {
            "teamId": _uuid(rng),
            "teamName": name,
            "description": f"The {name} team, moved from OpsGenie",
            "members": [{"accountId": p["accountId"], "name": p["name"]} for p in members],
        }
        config.teams.append(team)
        by_name[name] = team
        schedule = {
            "id": _uuid(rng),
            "name": f"{name} on call",
            "description": f"Who answers for {name}",
            "timezone": "Europe/Berlin",
            "enabled": True,
            "teamId": team["teamId"],
        }
        config.schedules.append(schedule)
        gap = None
        if name == GAP_TEAM:
            gap = (now_ms + GAP_STARTS_DAYS * DAY_MS, now_ms + GAP_ENDS_DAYS * DAY_MS)
        config.rotations[schedule["id"]] = ([p["accountId"] for p in members], gap)
        config.escalations[team["teamId"]] = [_escalation(rng, team, schedule, members)]
        config.heartbeats[team["teamId"]] = []
    for name, team_name, interval, unit, enabled, status in HEARTBEATS:
        team = by_name[team_name]
        config.heartbeats[team["teamId"]].append(
            {
                "name": name,
                "description": f"Pinged by {name}",
                "interval": interval,
                "intervalUnit": unit,
                "enabled": enabled,
                "status": status,
                "ownerTeamId": team["teamId"],
                "alertMessage": f"{name} stopped pinging",
                "alertTags": ["heartbeat"],
                "alertPriority": "P2",
            }
        )
    for name, kind, team_name, enabled in INTEGRATIONS:
        owner = by_name[team_name]["teamId"] if team_name else None
        integration = {"id": _uuid(rng), "name": name, "type": kind, "enabled": enabled}
        if owner:
            integration["teamId"] = owner
        config.integrations.append(integration)
    # Drawn last: the objects above keep the ids they had before rules and logs were served.
    for team, schedule in zip(config.teams, config.schedules, strict=True):
        (escalation,) = config.escalations[team["teamId"]]
        config.routing_rules[team["teamId"]] = routing_rules(rng, team, escalation, schedule)
    objects = {
        "Escalation": [e["name"] for es in config.escalations.values() for e in es],
        "Schedule": [s["name"] for s in config.schedules],
        "Heartbeat": [h["name"] for hs in config.heartbeats.values() for h in hs],
        "Integration": [i["name"] for i in config.integrations],
        "Routing rule": [r["name"] for rs in config.routing_rules.values() for r in rs],
    }
    config.logs = audit_logs(
        rng, now_ms=now_ms, people=config.people, teams=config.teams, objects=objects
    )
    return config


def _escalation(
    rng: random.Random, team: Record, schedule: Record, members: list[Record]
) -> Record:
    name = team["teamName"]
    if name == SINGLE_PERSON_TEAM:
        rules = [_rule(0, {"type": "user", "id": members[0]["accountId"]})]
        repeat = {"waitInterval": 0, "count": 0, "resetRecipientStates": False}
    else:
        rules = [
            _rule(0, {"type": "schedule", "id": schedule["id"]}),
            _rule(10, {"type": "team", "id": team["teamId"]}),
        ]
        repeat = {"waitInterval": 10, "count": 2, "resetRecipientStates": False}
    return {
        "id": _uuid(rng),
        "name": f"{name}_escalation",
        "description": f"Who {name}'s alerts reach",
        "enabled": True,
        "rules": rules,
        "repeat": repeat,
    }


def _rule(minutes: int, recipient: Record) -> Record:
    return {
        "condition": "if-not-acked",
        "notifyType": "default",
        "delay": {"timeAmount": minutes, "timeUnit": "minutes"},
        "recipient": recipient,
    }


def timeline(config: OpsConfiguration, schedule_id: str, start_ms: int, end_ms: int) -> Record:
    """A schedule's final timeline in [start, end): daily shifts in turn, midnight UTC; the gap
    (if any) answered as a ``noone`` responder's period (Guess: periods' shape)."""
    people, gap = config.rotations[schedule_id]
    periods: list[Record] = []
    shift = (start_ms // DAY_MS) * DAY_MS
    while shift < end_ms:
        lower, upper = max(shift, start_ms), min(shift + DAY_MS, end_ms)
        who = people[(shift // DAY_MS) % len(people)]
        pieces = [(lower, upper, {"type": "user", "id": who})]
        if gap and lower < gap[1] and gap[0] < upper:
            pieces = [
                piece
                for piece in (
                    (lower, max(lower, gap[0]), {"type": "user", "id": who}),
                    (max(lower, gap[0]), min(upper, gap[1]), {"type": "noone"}),
                    (min(upper, gap[1]), upper, {"type": "user", "id": who}),
                )
                if piece[1] > piece[0]
            ]
        for low, high, responder in pieces:
            periods.append(
                {
                    "startDate": _iso(low),
                    "endDate": _iso(high),
                    "type": "default",
                    "responder": responder,
                }
            )
        shift += DAY_MS
    rotation = {"id": schedule_id, "name": "Daily", "order": 1, "periods": periods}
    return {
        "startDate": _iso(start_ms),
        "endDate": _iso(end_ms),
        "finalTimeline": {"rotations": [rotation]},
    }


def _iso(epoch_ms: int) -> str:
    return jira_time(epoch_ms).replace("+0000", "Z")
