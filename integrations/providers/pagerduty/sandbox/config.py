"""The sandbox account's on-call configuration: escalation policies with their rules, schedules
with their layers, and business services, derived from the dataset (its teams, services and
the people in it now), so they are the same for the same seed and name the same people as the
users and incidents. Not stored: computed per request from the account's state, cheaply.

What the sandbox ships for the readiness checks to find (team index in ``TEAMS``):

- Platform (0): its schedule "Platform primary" has nobody on call for one day, from 09:00 UTC
  four days after the account was generated to 09:00 the day after (a layer ends, the next
  starts a day later);
- Data (2): a single-person policy: one rule, one user, ``num_loops`` 0;
- Mobile (3): a policy whose only rule has no target left (its responder left the account), so
  the service "Mobile backend" has no escalation path;
- "Holiday cover": a schedule no policy uses, with a gap (which must not fail anything).

As time passes (``config_passing``), the other schedules a policy uses get gaps of their own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Final

from integrations.providers.pagerduty.sandbox.data import (
    API_BASE,
    WEB_BASE,
    Ids,
    PagerDutyDataset,
    Record,
    iso_s,
    parse_iso_s,
    reference,
)

DAY_S: Final = 86_400
HOUR_S: Final = 3_600
# Roles that cannot be on call (stakeholders and observers only read).
NOT_ON_CALL: Final = ("observer", "read_only_user", "read_only_limited_user")
RULE_DELAY_MINUTES: Final = 30
GAP_SCHEDULE: Final = "Platform primary"
UNUSED_SCHEDULE: Final = "Holiday cover"
# (team index, schedule name, turn length in seconds, people on it)
_SCHEDULES: Final = (
    (0, GAP_SCHEDULE, 7 * DAY_S, 3),
    (1, "Payments on-call", 7 * DAY_S, 3),
    (4, "SRE follow-the-sun", 8 * HOUR_S, 3),
    (6, "Support L2", DAY_S, 2),
    (4, UNUSED_SCHEDULE, DAY_S, 2),
)
# Team index -> (num_loops, rules); a rule lists its targets: "schedule:<name>", "user:<n>"
# (the n-th person picked for the team) or nothing.
_POLICIES: Final[dict[int, tuple[int, tuple[tuple[str, ...], ...]]]] = {
    0: (2, ((f"schedule:{GAP_SCHEDULE}",), ("user:0",))),
    1: (1, (("schedule:Payments on-call",), ("user:0",))),
    2: (0, (("user:0",),)),  # single person, no repeat
    3: (0, ((),)),  # its only rule's responder left: no target
    4: (3, (("schedule:SRE follow-the-sun",),)),
    5: (0, (("user:0",), ("user:1",))),
    6: (1, (("schedule:Support L2",), ("user:0",))),
}
# (name, team index, point of contact)
_BUSINESS_SERVICES: Final = (
    ("Online shop", 1, "#payments-oncall"),
    ("Customer data platform", 2, "data-leads@example.com"),
    ("Mobile app", 3, ""),
)


@dataclass(frozen=True)
class Layer:
    name: str
    start_s: int
    end_s: int | None
    users: tuple[Record, ...]
    turn_s: int
    virtual_start_s: int


@dataclass
class AccountConfig:
    policies: list[Record] = field(default_factory=list)
    schedules: list[Record] = field(default_factory=list)
    layers: dict[str, list[Layer]] = field(default_factory=dict)
    layer_ids: dict[str, tuple[str, str]] = field(default_factory=dict)
    business_services: list[Record] = field(default_factory=list)

    def schedule(self, identifier: str) -> Record | None:
        return next((s for s in self.schedules if s["id"] == identifier), None)

    def policy(self, identifier: str) -> Record | None:
        return next((p for p in self.policies if p["id"] == identifier), None)


def _links(region: str, collection: str, record_id: str) -> dict[str, str]:
    return {
        "self": f"{API_BASE[region]}/{collection}/{record_id}",
        "html_url": f"{WEB_BASE[region]}/{collection}/{record_id}",
    }


def _people(dataset: PagerDutyDataset, users: list[Record], team: Record, count: int) -> list:
    """``count`` people who can be on call, members of ``team`` first; drawn per team so one
    person leaving changes only the teams they were picked for."""
    able = sorted((u for u in users if u["role"] not in NOT_ON_CALL), key=lambda u: u["id"])
    members = [u for u in able if any(t["id"] == team["id"] for t in u["teams"])]
    others = [u for u in able if u not in members]
    rng = random.Random(f"pagerduty-people:{dataset.seed}:{dataset.region}:{team['id']}")
    rng.shuffle(members)
    rng.shuffle(others)
    return (members + others)[:count]


def account_config(dataset: PagerDutyDataset, users: list[Record]) -> AccountConfig:
    region = dataset.region
    rng = random.Random(f"pagerduty-config:{dataset.seed}:{region}")
    ids = Ids(rng)
    ids.taken = {r["id"] for r in (*dataset.teams, *dataset.services, *dataset.escalation_policies)}
    # Every id is drawn first, in a fixed order: they never depend on who is in the account.
    schedule_ids = [ids() for _ in _SCHEDULES]
    rule_ids = {team: [ids("R", 7) for _ in rules] for team, (_n, rules) in _POLICIES.items()}
    layer_ids = [(ids("L", 7), ids("L", 7)) for _ in _SCHEDULES]
    business_ids = [ids() for _ in _BUSINESS_SERVICES]
    day0 = (dataset.created_s or dataset.now_s or 0) // DAY_S * DAY_S
    config = AccountConfig()
    by_name: dict[str, Record] = {}
    for (team_index, name, turn_s, count), schedule_id, layer_pair in zip(
        _SCHEDULES, schedule_ids, layer_ids, strict=True
    ):
        team = dataset.teams[team_index]
        people = tuple(_people(dataset, users, team, count))
        start = day0 - 28 * DAY_S
        virtual = start + 9 * HOUR_S
        gap_from = day0 + 4 * DAY_S + 9 * HOUR_S
        if name == GAP_SCHEDULE:
            layers = [
                Layer("Until the re-org", start, gap_from, people, turn_s, virtual),
                Layer("After the re-org", gap_from + DAY_S, None, people, turn_s, virtual),
            ]
        elif name == UNUSED_SCHEDULE:
            layers = [Layer("Winter", start, day0 + 2 * DAY_S, people, turn_s, virtual)]
        elif name in dataset.schedule_gaps:
            # Time passing opened a gap (config_passing): layer 1 ends, layer 2 starts later.
            gap_from, gap_to = dataset.schedule_gaps[name]
            layers = [
                Layer("Layer 1", start, gap_from, people, turn_s, virtual),
                Layer("Layer 2", gap_to, None, people, turn_s, virtual),
            ]
        else:
            layers = [Layer("Layer 1", start, None, people, turn_s, virtual)]
        config.layers[schedule_id] = layers
        config.layer_ids[schedule_id] = layer_pair
        record = {
            "id": schedule_id,
            "type": "schedule",
            "summary": name,
            **_links(region, "schedules", schedule_id),
            "name": name,
            "time_zone": "UTC",
            "description": f"On call for {team['name']}",
            "escalation_policies": [],
            "users": [reference(user) for user in people],
            "teams": [reference(team)],
        }
        config.schedules.append(record)
        by_name[name] = record
    for policy_ref, team in zip(dataset.escalation_policies, dataset.teams, strict=False):
        team_index = dataset.teams.index(team)
        num_loops, rules = _POLICIES.get(team_index, (1, ()))
        people = _people(dataset, users, team, 2)
        escalation_rules = []
        for rule_id, targets in zip(rule_ids.get(team_index, []), rules, strict=True):
            refs = []
            for target in targets:
                kind, _, value = target.partition(":")
                if kind == "schedule" and value in by_name:
                    refs.append(reference(by_name[value]))
                elif kind == "user" and int(value) < len(people):
                    refs.append(reference(people[int(value)]))
            escalation_rules.append(
                {"id": rule_id, "escalation_delay_in_minutes": RULE_DELAY_MINUTES, "targets": refs}
            )
        policy = {
            **policy_ref,
            "type": "escalation_policy",
            "name": policy_ref["summary"],
            "description": f"How {team['name']} is paged",
            "num_loops": num_loops,
            "on_call_handoff_notifications": "if_has_services",
            "escalation_rules": escalation_rules,
            "services": [
                reference(s)
                for s in dataset.services
                if s["escalation_policy"]["id"] == policy_ref["id"]
            ],
            "teams": [reference(team)],
        }
        config.policies.append(policy)
        for rule in escalation_rules:
            for target in rule["targets"]:
                schedule = next((s for s in config.schedules if s["id"] == target["id"]), None)
                if schedule is not None:
                    schedule["escalation_policies"].append(reference(policy))
    for (name, team_index, contact), business_id in zip(
        _BUSINESS_SERVICES, business_ids, strict=True
    ):
        team = dataset.teams[team_index]
        config.business_services.append(
            {
                "id": business_id,
                "type": "business_service",
                "summary": name,
                "self": f"{API_BASE[region]}/business_services/{business_id}",
                "name": name,
                "description": f"What customers see of {team['name']}'s services",
                "point_of_contact": contact,
                "team": {
                    "id": team["id"],
                    "type": "team_reference",
                    "self": team["self"],
                },
            }
        )
    return config


def entries(layers: list[Layer], since_s: int, until_s: int, *, clip: bool = True) -> list[Record]:
    """Who is on call in [since, until), turn by turn (the final schedule: the layers never
    overlap here, and there are no overrides); ``clip`` cuts the turns to the window."""
    found = []
    for layer in layers:
        low = max(since_s, layer.start_s)
        high = until_s if layer.end_s is None else min(until_s, layer.end_s)
        if low >= high or not layer.users:
            continue
        turn = (low - layer.virtual_start_s) // layer.turn_s
        while True:
            turn_start = layer.virtual_start_s + turn * layer.turn_s
            if turn_start >= high:
                break
            start = max(turn_start, layer.start_s)
            end = turn_start + layer.turn_s
            end = end if layer.end_s is None else min(end, layer.end_s)
            if clip:
                start, end = max(start, low), min(end, high)
            user = layer.users[turn % len(layer.users)]
            found.append({"start": iso_s(start), "end": iso_s(end), "user": reference(user)})
            turn += 1
    return sorted(found, key=lambda entry: entry["start"])


def coverage(rendered: list[Record], since_s: int, until_s: int) -> float:
    covered = sum(parse_iso_s(e["end"]) - parse_iso_s(e["start"]) for e in rendered)
    return round(100 * covered / (until_s - since_s), 2) if until_s > since_s else 100.0
