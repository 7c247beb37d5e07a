"""The sandbox account's objects read under a parent, and its incident templates, shaped like the
API's JSON (field names from OpsGenie's OpenAPI definitions and public pages: ``AlertPolicy``,
``ScheduleOverride``, ``IncidentRule``, the incident template): alert policies (global and per
team), schedule overrides, service incident rules and incident templates.

Drawn once, from a random stream of their own (keyed by the region and the account's first team
id, like ``config_data``), with the same teams, people, schedules and services; a service's
incident rules are drawn from the service's own id when asked for. The data ships on purpose:

- two global alert policies (one disabled) and one policy for each team but "Équipe Support";
- the first two schedules have an override: a member covers part of the next week;
- every service opens P1 incidents from its P1 alerts; "Kundenportal" has no rule at all;
- three incident templates, one naming two services it impacts.
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
from integrations.providers.opsgenie.sandbox.data import HOUR_MS, Record, iso_ms

NO_RULES_SERVICE: Final = "Kundenportal"  # a service without incident rules
OVERRIDDEN_SCHEDULES: Final = 2  # the first schedules have an override each
# (name, enabled, what it does): the account's global policies.
_GLOBAL_POLICIES: Final = (
    ("Tag production alerts", True, "Adds the production tag to alerts from prod hosts."),
    ("Suppress load-test alerts", False, "Drops alerts raised by the weekly load test."),
)
# (name, priority, description, services it impacts (by index)).
_TEMPLATES: Final = (
    ("Outage", "P1", "A customer-facing service is down.", (0, 1)),
    ("Degraded performance", "P3", "Slow answers or partial errors.", ()),
    ("Security event", "P2", "Suspected unauthorised access; follow the playbook.", ()),
)


@dataclass
class OpsGenieParents:
    # "" → the global alert policies; a team id → that team's.
    alert_policies: dict[str, list[Record]] = field(default_factory=dict)
    overrides: dict[str, list[Record]] = field(default_factory=dict)  # schedule id → overrides
    incident_templates: list[Record] = field(default_factory=list)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate_parents(
    *,
    region: str,
    now_ms: int,
    teams: list[Record],
    services: list[Record],
    configuration: OpsGenieConfiguration,
) -> OpsGenieParents:
    first = teams[0]["id"] if teams else ""
    rng = random.Random(f"opsgenie-parents:{region}:{first}")
    parents = OpsGenieParents()
    parents.alert_policies[""] = [
        _policy(rng, name, enabled, about, order, team_id=None)
        for order, (name, enabled, about) in enumerate(_GLOBAL_POLICIES, start=1)
    ]
    for team in teams:
        if team["name"] != NO_ESCALATION_TEAM:
            name = f"{team['name']}: P1 to the on-call"
            about = f"Raises {team['name']}'s critical alerts to P1."
            parents.alert_policies[team["id"]] = [
                _policy(rng, name, True, about, 1, team_id=team["id"])
            ]
    for schedule in configuration.schedules[:OVERRIDDEN_SCHEDULES]:
        parents.overrides[schedule["id"]] = [_override(rng, schedule, now_ms)]
    for name, priority, about, impacted in _TEMPLATES:
        parents.incident_templates.append(
            {
                "id": _uuid(rng),
                "name": name,
                "message": f"{name}: {{{{service}}}}",
                "description": about,
                "tags": [name.split()[0].lower()],
                "details": {"runbook": f"https://wiki.example.com/{name.split()[0].lower()}"},
                "priority": priority,
                "impactedServices": [services[i]["id"] for i in impacted if i < len(services)],
                "stakeholderProperties": {
                    "enable": True,
                    "message": f"{name} under investigation",
                    "description": "We will update you within the hour.",
                },
            }
        )
    return parents


def _policy(
    rng: random.Random, name: str, enabled: bool, about: str, order: int, *, team_id: str | None
) -> Record:
    """An alert policy as ``GET /v2/policies/{id}`` answers it; the listing shows fewer."""
    policy: Record = {
        "id": _uuid(rng),
        "type": "alert",
        "name": name,
        "enabled": enabled,
        "order": order,
        "policyDescription": about,
        "filter": {
            "type": "match-all-conditions",
            "conditions": [
                {"field": "priority", "operation": "equals", "expectedValue": "P2", "not": False}
            ],
        },
        "message": "{{message}}",
        "continue": True,
        "tags": ["production"],
        "priority": "P1",
    }
    if team_id:
        policy["teamId"] = team_id
    return policy


def _override(rng: random.Random, schedule: Record, now_ms: int) -> Record:
    rotation = schedule["rotations"][0]
    person = rng.choice(rotation["participants"])
    start = now_ms - now_ms % DAY_MS + rng.randint(1, 3) * DAY_MS + 9 * HOUR_MS
    return {
        "_parent": {"id": schedule["id"], "name": schedule["name"], "enabled": True},
        "alias": _uuid(rng),
        "user": {"type": "user", "id": person["id"], "username": person["username"]},
        "startDate": iso_ms(start),
        "endDate": iso_ms(start + 2 * DAY_MS),
        "rotations": [{"id": rotation["id"], "name": rotation["name"]}],
    }


def policy_summary(policy: Record) -> Record:
    """A policy as the listing shows it: ``{id, name, type, enabled, order}``."""
    return {key: policy[key] for key in ("id", "name", "type", "enabled", "order")}


def service_incident_rules(service: Record) -> list[Record]:
    """``GET /v1/services/{id}/incident-rules`` items of one service, drawn from its id."""
    if service["name"] == NO_RULES_SERVICE:
        return []
    rng = random.Random(f"opsgenie-incident-rules:{service['id']}")
    rules = [
        {
            "id": _uuid(rng),
            "order": 1,
            "conditionMatchType": "match-all-conditions",
            "conditions": [
                {"field": "priority", "operation": "equals", "expectedValue": "P1", "not": False}
            ],
            "incidentProperties": {
                "message": f"{service['name']} is failing",
                "description": f"Opened from a P1 alert on {service['name']}.",
                "tags": ["auto"],
                "details": {},
                "priority": "P1",
                "stakeholderProperties": {
                    "enable": True,
                    "message": f"{service['name']} has a problem",
                    "description": "",
                },
            },
        }
    ]
    if rng.random() < 0.5:
        rules.append(
            {
                "id": _uuid(rng),
                "order": 2,
                "conditionMatchType": "match-any-condition",
                "conditions": [
                    {
                        "field": "tags",
                        "operation": "contains",
                        "expectedValue": "outage",
                        "not": False,
                    },
                    {
                        "field": "message",
                        "operation": "contains",
                        "expectedValue": "down",
                        "not": False,
                    },
                ],  # fmt: skip
                "incidentProperties": {
                    "message": f"{service['name']} outage",
                    "tags": ["outage"],
                    "details": {},
                    "priority": "P2",
                    "stakeholderProperties": {"enable": False, "message": "Outage"},
                },
            }
        )
    return rules
