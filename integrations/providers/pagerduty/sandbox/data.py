"""Deterministic synthetic PagerDuty account data for the sandbox (the store holding it: `store`).

Records are plain dicts shaped like the REST API v2 JSON (reference/pagerduty-api.md §3.2, §4), so
the handler can serve them as they are. `self` links name the real upstream API host; the handler
rewrites them to its own address. The same (seed, region, now) always yields the same account,
made of the people, teams and words in `integrations.sandbox.names`.
"""

from __future__ import annotations

import calendar
import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from integrations.sandbox.names import (
    CLOUD_REGIONS,
    DATA_LOSS_TITLES,
    INCIDENT_TITLES,
    TEAMS,
    TIME_ZONES,
    account_now,
    fill,
    new_person,
)

Record = dict[str, Any]

HISTORY_DAYS: Final = 365
_DAY_S = 86_400
HOUR_S = 3_600
_MINUTE_S = 60

REGIONS: Final = ("us", "eu")
API_BASE: Final = {"us": "https://api.pagerduty.com", "eu": "https://api.eu.pagerduty.com"}
SUBDOMAIN: Final = "evidencehub-sandbox"
# Guess (reference §1.1 [U]): the EU web host form is unconfirmed.
WEB_BASE: Final = {
    "us": f"https://{SUBDOMAIN}.pagerduty.com",
    "eu": f"https://{SUBDOMAIN}.eu.pagerduty.com",
}

PRIORITY_WEIGHTS: Final = {None: 30, "P1": 4, "P2": 9, "P3": 25, "P4": 22, "P5": 10}
URGENCY_WEIGHTS: Final = {"high": 60, "low": 40}
# The SPEC's role enum (reference §4.2), owner first.
USER_ROLES: Final = (
    "owner",
    "admin",
    "user",
    "limited_user",
    "observer",
    "restricted_access",
    "read_only_user",
    "read_only_limited_user",
)
# How often each role but owner is drawn: mostly managers and responders, as in a real account.
_ROLE_WEIGHTS: Final = (2, 10, 8, 2, 1, 2, 1)
# Users 1..7 are given the roles admin..read_only_user in turn, without a draw.
_FIXED_ROLES: Final = 8

# (name, index of the owning team in TEAMS, status)
_SERVICES = (
    ("Checkout API", 1, "active"),
    ("Billing", 1, "active"),
    ("Kubernetes cluster", 0, "warning"),
    ("Data warehouse", 2, "active"),
    ("Mobile backend", 3, "critical"),
    ("Auth (SSO)", 5, "active"),
    ("Kundenportal", 6, "maintenance"),
    ("配送サービス", 4, "disabled"),
)
_TIME_ZONES = (*TIME_ZONES, None)  # null: the account's time zone
_COLORS = ("red", "green", "purple", "teal", "orange", "dark-slate-blue", "cayenne")
_JOB_TITLES = ("SRE", "Backend engineer", "Engineering manager", "Auditor", "Support <lead>", "")
ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass
class PagerDutyDataset:
    incidents: list[Record]
    users: list[Record]
    teams: list[Record]
    services: list[Record]
    priorities: list[Record]
    escalation_policies: list[Record]
    region: str = "us"
    # The account's clock (epoch seconds): no timestamp in the data is later.
    now_s: int | None = None
    # Mixed into derived data (notes) so two sandboxes with different seeds differ.
    seed: int = 0
    # When the account was generated (epoch seconds): the schedules' rotations and their shipped
    # gap are laid out from it (``config``), so they stay put while the clock advances.
    created_s: int | None = None
    # Gaps time opened in schedules (config_passing): schedule name -> (from, to) epoch seconds.
    schedule_gaps: dict[str, tuple[int, int]] = field(default_factory=dict)


def iso_s(epoch_s: int) -> str:
    """PagerDuty's timestamp format: ISO-8601 UTC to the second with `Z`; sorts chronologically."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_s))


def parse_iso_s(timestamp: str) -> int:
    """The inverse of `iso_s` (that exact format only)."""
    return calendar.timegm(time.strptime(timestamp[:19], "%Y-%m-%dT%H:%M:%S"))


def reference(record: Record) -> Record:
    """The `*_reference` form of a full object (reference §3.2)."""
    return {
        "id": record["id"],
        "type": f"{record['type']}_reference",
        "summary": record["summary"],
        "self": record["self"],
        "html_url": record["html_url"],
    }


class Ids:
    """PagerDuty-looking ids (`PT4KHLK`), unique within one dataset, drawn from the rng."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[str] = set()

    def __call__(self, prefix: str = "P", length: int = 7) -> str:
        while True:
            value = prefix + "".join(self.rng.choices(ID_CHARS, k=length - len(prefix)))
            if value not in self.taken:
                self.taken.add(value)
                return value


def generate_dataset(
    *, seed: int, incidents: int, users: int, region: str, now: datetime | None = None
) -> PagerDutyDataset:
    if region not in API_BASE:
        raise ValueError(f"Unknown PagerDuty region {region!r}")
    now_s = int(account_now(now).timestamp())
    rng = random.Random(f"pagerduty:{seed}:{region}:{now_s}")
    ids = Ids(rng)
    teams = _teams(ids, region)
    policies = _escalation_policies(ids, region, teams)
    services = _services(rng, ids, region, now_s, teams, policies)
    priorities = _priorities(ids, region)
    people = _users(rng, ids, region, users, now_s, teams)
    dataset = PagerDutyDataset(
        incidents=[],
        users=people,
        teams=teams,
        services=services,
        priorities=priorities,
        escalation_policies=policies,
        region=region,
        now_s=now_s,
        seed=seed,
        created_s=now_s,
    )
    created = sorted(now_s - rng.randrange(1, HISTORY_DAYS * _DAY_S) for _ in range(incidents))
    dataset.incidents = [
        make_incident(rng, ids, dataset, number, created_s, now_s)
        for number, created_s in enumerate(created, start=1)
    ]
    return dataset


def _links(region: str, collection: str, record_id: str) -> dict[str, str]:
    return {
        "self": f"{API_BASE[region]}/{collection}/{record_id}",
        "html_url": f"{WEB_BASE[region]}/{collection}/{record_id}",
    }


def _teams(ids: Ids, region: str) -> list[Record]:
    teams = []
    for index, (name, description) in enumerate(TEAMS):
        team_id = ids()
        teams.append(
            {
                "id": team_id,
                "type": "team",
                "summary": name,
                **_links(region, "teams", team_id),
                "name": name,
                "description": description,
                # manager = public team, none = private team (reference §4.3).
                "default_role": "none" if index == 5 else "manager",
                "parent": None,
            }
        )
    return teams


def _escalation_policies(ids: Ids, region: str, teams: list[Record]) -> list[Record]:
    policies = []
    for team in teams:
        policy_id = ids()
        name = f"{team['name']} escalation"
        policies.append(
            {
                "id": policy_id,
                "type": "escalation_policy",
                "summary": name,
                **_links(region, "escalation_policies", policy_id),
            }
        )
    return policies


def _services(
    rng: random.Random,
    ids: Ids,
    region: str,
    now_s: int,
    teams: list[Record],
    policies: list[Record],
) -> list[Record]:
    services = []
    for name, team_index, status in _SERVICES:
        service_id = ids()
        created_s = now_s - rng.randrange(HISTORY_DAYS * _DAY_S, 3 * HISTORY_DAYS * _DAY_S)
        services.append(
            {
                "id": service_id,
                "type": "service",
                "summary": name,
                **_links(region, "service-directory", service_id),
                "name": name,
                "description": f"{name} (owned by {teams[team_index]['name']})",
                "auto_resolve_timeout": rng.choice((14400, None)),
                "acknowledgement_timeout": rng.choice((1800, None)),
                "created_at": iso_s(created_s),
                "updated_at": iso_s(created_s + rng.randrange(0, _DAY_S * 30)),
                "status": status,
                "last_incident_timestamp": None,
                "escalation_policy": reference(policies[team_index]),
                "response_play": None,
                "teams": [reference(teams[team_index])],
                "integrations": [],
                "addons": [],
                "incident_urgency_rule": {"type": "constant", "urgency": "high"},
                "support_hours": None,
                "scheduled_actions": [],
                "alert_creation": "create_alerts_and_incidents",
                "alert_grouping_parameters": {"type": None},
            }
        )
    # The html_url of a service lives under /service-directory, its API path under /services.
    for service in services:
        service["self"] = f"{API_BASE[region]}/services/{service['id']}"
    return services


def _priorities(ids: Ids, region: str) -> list[Record]:
    return [
        {
            "id": ids(),
            "type": "priority",
            "summary": name,
            "self": "",
            "name": name,
            "description": description,
        }
        for name, description in (
            ("P1", "Critical"),
            ("P2", "High"),
            ("P3", "Moderate"),
            ("P4", "Low"),
            ("P5", "Informational"),
        )
    ]


def _users(
    rng: random.Random, ids: Ids, region: str, count: int, now_s: int, teams: list[Record]
) -> list[Record]:
    users: list[Record] = []
    taken: set[str] = set()
    for index in range(count):
        name, email = new_person(rng, index=index, count=count, taken=taken)
        if index == 0:
            role = "owner"
        elif index <= 2:
            role = "admin"
        elif index < _FIXED_ROLES:
            role = USER_ROLES[index - 1]  # every role appears at least once
        else:
            role = rng.choices(USER_ROLES[1:], weights=_ROLE_WEIGHTS)[0]
        users.append(
            user_record(
                rng, ids, region, name, email, role, teams, may_be_invited=index > 0, now_s=now_s
            )
        )
    if len(users) > _FIXED_ROLES and not any(u["role"] == USER_ROLES[-1] for u in users):
        # The role added last to USER_ROLES is set without a draw, so that every other record
        # of a seed's account stays as it was before it was added.
        users[_FIXED_ROLES]["role"] = USER_ROLES[-1]
    return users


def user_record(
    rng: random.Random,
    ids: Ids,
    region: str,
    name: str,
    email: str,
    role: str,
    teams: list[Record],
    *,
    may_be_invited: bool,
    now_s: int,
    created_s: int | None = None,
) -> Record:
    """A `GET /users` item with its team references; ``created_s`` None draws a creation time
    in the last three years."""
    user_id = ids()
    member_of = rng.sample(teams, rng.choice((0, 1, 1, 1, 2)))
    return {
        "id": user_id,
        "type": "user",
        "summary": name,
        **_links(region, "users", user_id),
        "name": name,
        "email": email,
        "time_zone": rng.choice(_TIME_ZONES),
        "color": rng.choice(_COLORS),
        "role": role,
        "avatar_url": f"https://secure.gravatar.com/avatar/{user_id.lower()}.png",
        "description": "",
        "job_title": rng.choice(_JOB_TITLES),
        # An outstanding invitation: the person never logged in.
        "invitation_sent": may_be_invited and rng.random() < 0.15,
        "created_via_sso": rng.random() < 0.3,
        "teams": [reference(team) for team in member_of],
        "contact_methods": [],
        "notification_rules": [],
        "coordinated_incidents": [],
        # Drawn last, as the data always drew it: the same seed keeps giving the same account.
        "created_at": iso_s(
            created_s
            if created_s is not None
            else now_s - rng.randrange(30 * _DAY_S, 3 * 365 * _DAY_S)
        ),
    }


def new_user(
    rng: random.Random, ids: Ids, region: str, teams: list[Record], users: list[Record], now_s: int
) -> Record:
    """Someone invited now (an e-mail new to ``users``): a manager or responder mostly."""
    taken = {user["email"] for user in users}
    # index/count of someone in the middle of the list: never the markup person again.
    name, email = new_person(rng, index=0, count=1, taken=taken)
    role = rng.choices(USER_ROLES[1:], weights=_ROLE_WEIGHTS)[0]
    user = user_record(
        rng,
        ids,
        region,
        name,
        email,
        role,
        teams,
        may_be_invited=False,
        now_s=now_s,
        created_s=now_s,
    )
    user["invitation_sent"] = True  # nobody accepts an invitation within the hour it was sent
    return user


def other_role(rng: random.Random, user: Record) -> str:
    """A role ``user`` does not hold, drawn like the account's roles (never owner)."""
    roles = [
        (r, w) for r, w in zip(USER_ROLES[1:], _ROLE_WEIGHTS, strict=True) if r != user["role"]
    ]
    return rng.choices([r for r, _w in roles], weights=[w for _r, w in roles])[0]


def _status(rng: random.Random, age_s: int) -> str:
    open_share = 0.6 if age_s < 2 * _DAY_S else 0.25 if age_s < 14 * _DAY_S else 0.03
    if rng.random() < open_share:
        return "triggered" if rng.random() < 0.5 else "acknowledged"
    return "resolved"


def priority_ref(rng: random.Random, dataset: PagerDutyDataset, *, instead_of: Any = "") -> Any:
    names = [name for name in PRIORITY_WEIGHTS if name != instead_of]
    name = rng.choices(names, weights=[PRIORITY_WEIGHTS[n] for n in names])[0]
    if name is None:
        return None
    priority = next(p for p in dataset.priorities if p["name"] == name)
    return {
        "id": priority["id"],
        "type": "priority_reference",
        "summary": name,
        "self": f"{API_BASE[dataset.region]}/priorities/{priority['id']}",
        "name": name,
    }


def make_incident(
    rng: random.Random,
    ids: Ids,
    dataset: PagerDutyDataset,
    number: int,
    created_s: int,
    now_s: int,
    *,
    status: str | None = None,
) -> Record:
    region = dataset.region
    incident_id = ids("Q", 14)
    service_index = rng.randrange(len(dataset.services))
    service = dataset.services[service_index]
    values = {
        "service": service["name"],
        "region": rng.choice(CLOUD_REGIONS),
        "host": f"node-{rng.randint(1, 64):02d}",
        "count": rng.randint(2, 5000),
    }
    if rng.random() < 0.03:
        title = fill(rng.choice(DATA_LOSS_TITLES), values)
    else:
        title = fill(rng.choice(INCIDENT_TITLES), values)
    status = status or _status(rng, now_s - created_s)
    responder = rng.choice(dataset.users) if dataset.users else None
    incident: Record = {
        "id": incident_id,
        "type": "incident",
        "summary": f"[#{number}] {title}",
        **_links(region, "incidents", incident_id),
        "incident_number": number,
        "title": title,
        # Not in the spec, but seen in real answers with the title's text (reference §3.2 [O]).
        "description": title,
        "created_at": iso_s(created_s),
        "updated_at": iso_s(created_s),
        "status": "triggered",
        "incident_key": f"{rng.getrandbits(128):032x}",
        "service": reference(service),
        "assignments": [],
        "assigned_via": "escalation_policy",
        "last_status_change_at": iso_s(created_s),
        "last_status_change_by": reference(service),
        "resolved_at": None,
        "first_trigger_log_entry": {
            "id": ids("R", 26),
            "type": "trigger_log_entry_reference",
        },
        "alert_counts": {"all": 1, "triggered": 1, "resolved": 0},
        "is_mergeable": True,
        "incident_type": {"name": "incident_default"},
        "escalation_policy": service["escalation_policy"],
        "teams": service["teams"],
        "pending_actions": [],
        "acknowledgements": [],
        "alert_grouping": None,
        "resolve_reason": None,
        "conference_bridge": None,
        "incidents_responders": [],
        "responder_requests": [],
        "urgency": rng.choices(list(URGENCY_WEIGHTS), weights=list(URGENCY_WEIGHTS.values()))[0],
        "priority": priority_ref(rng, dataset),
    }
    incident["first_trigger_log_entry"]["self"] = (
        f"{API_BASE[region]}/log_entries/{incident['first_trigger_log_entry']['id']}"
    )
    if responder is not None:
        incident["assignments"] = [{"at": iso_s(created_s), "assignee": reference(responder)}]
    if status == "acknowledged":
        at = created_s + rng.randrange(0, max(1, min(now_s - created_s, HOUR_S)) + 1)
        incident = with_status(incident, "acknowledged", at, responder)
    elif status == "resolved":
        duration = max(5 * _MINUTE_S, int(rng.expovariate(1 / (3 * HOUR_S))))
        incident = with_status(incident, "resolved", min(created_s + duration, now_s), responder)
    return incident


def with_status(incident: Record, status: str, at_s: int, user: Record | None) -> Record:
    """A new dict (readers may hold the old one) with a status change applied at `at_s`."""
    record = {**incident, "status": status}
    at = iso_s(at_s)
    agent = reference(user) if user is not None else incident["service"]
    record.update(updated_at=at, last_status_change_at=at, last_status_change_by=agent)
    alerts = record["alert_counts"]["all"]
    if status == "acknowledged":
        record["acknowledgements"] = [{"at": at, "acknowledger": agent}]
    elif status == "resolved":
        # Resolved incidents have no assignees or acknowledgers any more (reference §3.2).
        record.update(
            assignments=[],
            acknowledgements=[],
            resolved_at=at,
            alert_counts={"all": alerts, "triggered": 0, "resolved": alerts},
        )
    return record
