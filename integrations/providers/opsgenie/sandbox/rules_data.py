"""The sandbox account's remaining configuration objects, shaped like the API's JSON (field names
from OpsGenie's OpenAPI definitions: ``teamRoutingRule``, ``teamRole``, ``team`` (TeamLog),
``maintenance``, ``customUserRole``, ``forwardingRule``, ``notificationRule``, ``contact``):
team routing rules, team roles and team logs; maintenances; custom user roles; forwarding
rules; and each user's notification rules and contacts.

Team and account objects are drawn once, from a random stream of their own (keyed by the region
and the account's first team id, like ``config_data``), with the same teams, people,
escalations and schedules. A user's notification rules and contacts are drawn from the user's
own id when asked for, so people who join later have theirs too. The data ships on purpose:

- the "Équipe Support" team (which has no escalation) routes its alerts to nobody;
- one maintenance is past, one is active now, one is planned and one was cancelled (a
  maintenance's status follows the account's clock);
- every user has an e-mail contact and the default rules; some have a disabled rule or contact.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Final

from integrations.providers.opsgenie.sandbox.config_data import (
    DAY_MS,
    NO_ESCALATION_TEAM,
    OpsGenieConfiguration,
)
from integrations.providers.opsgenie.sandbox.data import HOUR_MS, Record, iso_ms, parse_iso_ms

CUSTOM_ROLE: Final = "Auditor"  # the custom role some users hold (sandbox.data)
CUSTOM_TEAM_ROLE: Final = "Incident commander"  # the custom team role some members hold
TEAM_LOGS_PER_TEAM: Final = (3, 30)  # how many logs a team has, at least and at most
# A user's notification rules: (name, actionType, enabled).
DEFAULT_RULES: Final = (
    ("New Alert", "create-alert", True),
    ("Renotified Alert", "renotified-alert", True),
    ("Schedule Start", "schedule-start", True),
)
TEAM_RIGHTS: Final = (
    "manage-members",
    "edit-team-roles",
    "delete-team-roles",
    "access-member-profiles",
    "edit-member-profiles",
    "edit-routing-rules",
    "edit-escalations",
    "edit-schedules",
    "edit-integrations",
    "edit-heartbeats",
    "access-reports",
    "edit-automation-actions",
    "delete-automation-actions",
    "execute-automation-actions",
)
# (status when it was drawn, hours from now it starts, hours it lasts, description)
_MAINTENANCES: Final = (
    ("past", -24 * 8, 4, "Database upgrade"),
    ("active", -1, 3, "Network switch replacement"),
    ("planned", 24 * 3, 2, "Kubernetes control-plane upgrade"),
    ("cancelled", 24 * 5, 1, "Load balancer swap (called off)"),
)


@dataclass
class OpsGenieRules:
    routing_rules: dict[str, list[Record]] = field(default_factory=dict)  # team id → rules
    team_roles: dict[str, list[Record]] = field(default_factory=dict)  # team id → roles
    team_logs: dict[str, list[Record]] = field(default_factory=dict)  # team id → oldest first
    maintenances: list[Record] = field(default_factory=list)
    # Cancelled maintenances keep that status; the others follow the clock (``status``).
    cancelled: set[str] = field(default_factory=set)
    custom_roles: list[Record] = field(default_factory=list)
    forwarding_rules: list[Record] = field(default_factory=list)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate_rules(
    *,
    region: str,
    now_ms: int,
    teams: list[Record],
    users: list[Record],
    memberships: dict[str, list[tuple[str, str]]],
    configuration: OpsGenieConfiguration,
) -> OpsGenieRules:
    first = teams[0]["id"] if teams else ""
    rng = random.Random(f"opsgenie-rules:{region}:{first}")
    rules = OpsGenieRules()
    for team in teams:
        escalation = next(
            (e for e in configuration.escalations if e["ownerTeam"]["id"] == team["id"]), None
        )
        schedule = next(
            (s for s in configuration.schedules if s["ownerTeam"]["id"] == team["id"]), None
        )
        rules.routing_rules[team["id"]] = _routing_rules(rng, team, escalation, schedule)
        rules.team_roles[team["id"]] = [_team_role(rng)]
        members = [
            u for u in users if any(t == team["id"] for t, _ in memberships.get(u["id"], []))
        ]
        rules.team_logs[team["id"]] = _team_logs(rng, team, members or users[:1], now_ms)
    for state, starts_h, hours, description in _MAINTENANCES:
        start = now_ms + starts_h * HOUR_MS
        item: Record = {
            "id": _uuid(rng),
            "status": state,
            "time": {
                "type": "schedule",
                "startDate": iso_ms(start),
                "endDate": iso_ms(start + hours * HOUR_MS),
            },
            "description": description,
        }
        rules.maintenances.append(item)
        if state == "cancelled":
            rules.cancelled.add(item["id"])
    custom = next((u["role"] for u in users if u["role"]["name"] == CUSTOM_ROLE), None)
    rules.custom_roles = [
        {
            "id": custom["id"] if custom else _uuid(rng),
            "name": CUSTOM_ROLE,
            "extendedRole": "observer",
            "grantedRights": ["reports-access", "logs-page-access"],
            "disallowedRights": [],
        },
        {
            "id": _uuid(rng),
            "name": "Change approver",
            "extendedRole": "user",
            "grantedRights": ["maintenance-edit", "who-is-on-call-show-all"],
            "disallowedRights": ["profile-edit"],
        },
    ]
    if len(users) >= 4:
        away, cover = users[2], users[3]
        rules.forwarding_rules.append(
            {
                "id": _uuid(rng),
                "alias": f"{away['username'].split('@')[0]}-holiday",
                "fromUser": {"id": away["id"], "username": away["username"]},
                "toUser": {"id": cover["id"], "username": cover["username"]},
                "startDate": iso_ms(now_ms - 2 * DAY_MS),
                "endDate": iso_ms(now_ms + 5 * DAY_MS),
            }
        )
    return rules


def maintenance_status(item: Record, *, now_ms: int, cancelled: set[str]) -> str:
    """planned → active → past as the account's clock passes its window."""
    from_ms = parse_iso_ms(item["time"]["startDate"])
    to_ms = parse_iso_ms(item["time"]["endDate"])
    if item["id"] in cancelled:
        return "cancelled"
    if now_ms < from_ms:
        return "planned"
    return "active" if now_ms < to_ms else "past"


def _recipient(kind: str, item: Record | None) -> Record:
    if item is None:
        return {"type": "none"}
    return {"type": kind, "id": item["id"], "name": item["name"]}


def _routing_rules(
    rng: random.Random, team: Record, escalation: Record | None, schedule: Record | None
) -> list[Record]:
    default: Record = {
        "id": _uuid(rng),
        "name": "Default Routing Rule",
        "isDefault": True,
        "order": 1,
        "criteria": {"type": "match-all"},
        "timezone": "UTC",
        "notify": _recipient("escalation", escalation),
    }
    if team["name"] == NO_ESCALATION_TEAM:
        # Its team has no escalation: alerts are routed to nobody.
        default["notify"] = {"type": "none"}
        return [default]
    urgent: Record = {
        "id": _uuid(rng),
        "name": "P1 straight to on-call",
        "isDefault": False,
        "order": 0,
        "criteria": {
            "type": "match-all-conditions",
            "conditions": [
                {
                    "field": "priority",
                    "not": False,
                    "operation": "equals",
                    "expectedValue": "P1",
                    "order": 0,
                }
            ],
        },
        "timezone": rng.choice(("Europe/London", "America/New_York")),
        "timeRestriction": {
            "type": "time-of-day",
            "restriction": {"startHour": 8, "startMin": 0, "endHour": 20, "endMin": 0},
        },
        "notify": _recipient("schedule", schedule),
    }
    return [urgent, default]


def _team_role(rng: random.Random) -> Record:
    granted = set(rng.sample(TEAM_RIGHTS, 6)) | {"edit-routing-rules", "edit-escalations"}
    return {
        "id": _uuid(rng),
        "name": CUSTOM_TEAM_ROLE,
        "rights": [{"right": right, "granted": right in granted} for right in TEAM_RIGHTS],
    }


def _team_logs(
    rng: random.Random, team: Record, members: list[Record], now_ms: int
) -> list[Record]:
    """A team's log, oldest first, over the last 60 days (``createdDate`` all distinct)."""
    count = rng.randint(*TEAM_LOGS_PER_TEAM)
    stamps = sorted(rng.sample(range(now_ms - 60 * DAY_MS, now_ms - 60_000), count))
    logs = []
    for stamp in stamps:
        actor = rng.choice(members)
        other = rng.choice(members)
        log = rng.choice(
            (
                f"User [{other['username']}] was added to the team [{team['name']}].",
                f"Routing rule [Default Routing Rule] of team [{team['name']}] was updated.",
                f"Schedule [{team['name']} on call] was updated.",
                f"Escalation [{team['name']}_escalation] was updated.",
                f"Role of user [{other['username']}] was changed to [admin].",
            )
        )
        logs.append({"owner": actor["username"], "createdDate": iso_ms(stamp), "log": log})
    return logs


def user_notification_rules(user: Record) -> list[Record]:
    """``GET /v2/users/{id}/notification-rules`` items (NotificationRuleMeta) of one user."""
    rng = random.Random(f"opsgenie-notification-rules:{user['id']}")
    rules = [
        {"id": _uuid(rng), "name": name, "actionType": action, "order": order, "enabled": on}
        for order, (name, action, on) in enumerate(DEFAULT_RULES, start=1)
    ]
    if rng.random() < 0.3:
        # Someone who turned off the notification of closed alerts.
        rules.append(
            {
                "id": _uuid(rng),
                "name": "Closed Alert",
                "actionType": "closed-alert",
                "order": len(rules) + 1,
                "enabled": False,
            }
        )
    return rules


def user_contacts(user: Record) -> list[Record]:
    """``GET /v2/users/{id}/contacts`` items (ContactWithApplyOrder) of one user."""
    rng = random.Random(f"opsgenie-contacts:{user['id']}")
    enabled = {"enabled": True, "disabledReason": ""}
    contacts = [{"id": _uuid(rng), "method": "email", "to": user["username"], "status": enabled}]
    if rng.random() < 0.7:
        number = f"1-555010{rng.randrange(10, 99)}"
        contacts.append({"id": _uuid(rng), "method": "sms", "to": number, "status": enabled})
        if rng.random() < 0.3:
            # The number stopped answering: upstream disables the contact and says why.
            contacts.append(
                {
                    "id": _uuid(rng),
                    "method": "voice",
                    "to": number,
                    "status": {"enabled": False, "disabledReason": "Call failed"},
                }
            )
    return [{**contact, "applyOrder": order} for order, contact in enumerate(contacts)]
