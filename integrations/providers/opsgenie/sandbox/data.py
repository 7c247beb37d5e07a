"""Deterministic synthetic OpsGenie account data for the sandbox (the store holding it: `store`).

Records are plain dicts shaped exactly like the API's JSON (reference/opsgenie-api.md §3.3, §5),
so the handler can serve them as they are. The same (seed, region, now) always yields the same
account, made of the people, teams and words in `integrations.sandbox.names`.
"""

from __future__ import annotations

import calendar
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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

HISTORY_DAYS = 180
_DAY_MS = 86_400_000
HOUR_MS = 3_600_000
_MINUTE_MS = 60_000

PRIORITY_WEIGHTS = {"P1": 5, "P2": 12, "P3": 38, "P4": 33, "P5": 12}

_API_HOST = {"us": "api.opsgenie.com", "eu": "api.eu.opsgenie.com"}
_APP_HOST = {
    "us": "evidencehub-sandbox.app.opsgenie.com",
    "eu": "evidencehub-sandbox.app.eu.opsgenie.com",
}

# (name, index of the owning team in TEAMS)
_SERVICES = (
    ("Checkout API", 1),
    ("Billing", 1),
    ("Payouts", 1),
    ("Kubernetes cluster", 0),
    ("Edge CDN", 0),
    ("Search", 0),
    ("Data warehouse", 2),
    ("Nightly backups", 2),
    ("Mobile backend", 3),
    ("Auth (SSO)", 5),
    ("Kundenportal", 6),
    ("配送サービス", 4),
)

# The shared titles, and one more in this place: the seeded data depends on the order.
_MESSAGES = (*INCIDENT_TITLES[:7], "Memory leak suspected in {service}", *INCIDENT_TITLES[7:])
_DESCRIPTIONS = (
    "",
    "Alert fired from the synthetic monitor; see the runbook.",
    "Customers reported errors via support.\nImpact: checkout failures in {region}.",
    "Root cause: a config change to {service}. Rolled back after {count} minutes.",
    "Le basculement a échoué ; les réplicas étaient en retard de {count} s.",
    "監視アラートが発報しました。担当: {team}",
    "Payload contained <img src=x onerror=alert(1)> and was rejected.",
    "No customer impact. 👍",
)
_DATA_LOSS_DESCRIPTION = (
    "Backups for {service} were incomplete; {count} rows could not be restored."
)

_TAGS = (
    "customer-impact",
    "database",
    "network",
    "deploy",
    "security",
    "infra",
    "payments",
    "gdpr",
    "postmortem",
    "sev-review",
)
_ACTIONS = ("Restart", "Failover", "Page DBA", "Open status page")
_SOURCES = ("API", "Web", "Email", "Opsgenie Heartbeat")

_TIME_ZONES = (*TIME_ZONES, "Asia/Jerusalem")
_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "ja_JP", "he_IL")
_BUILT_IN_ROLES = ("Owner", "Admin", "User")
_CUSTOM_ROLE_NAME = "Auditor"
_CUSTOM_TEAM_ROLE = "Incident commander"


@dataclass
class OpsGenieDataset:
    incidents: list[Record]
    users: list[Record]
    teams: list[Record]
    services: list[Record]
    region: str = "us"
    # The account's clock (epoch ms): no timestamp in the data is later. `advance` moves it on.
    now_ms: int | None = None
    # Team membership, which upstream serves from the teams' side (GET /v2/teams/{id}) and the
    # users' (GET /v2/users/{id}/teams): user id → [(team id, the user's role in the team)].
    memberships: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def iso_ms(epoch_ms: int) -> str:
    """OpsGenie's timestamp format: ISO-8601 UTC with milliseconds and `Z`."""
    # time.strftime is several times faster than datetime.isoformat, which matters at 10k+ rows.
    seconds, millis = divmod(epoch_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def parse_iso_ms(timestamp: str) -> int:
    """The inverse of `iso_ms` (that exact format only)."""
    seconds = calendar.timegm(time.strptime(timestamp[:19], "%Y-%m-%dT%H:%M:%S"))
    return seconds * 1000 + int(timestamp[20:23])


def generate_dataset(
    *, seed: int, incidents: int, users: int, region: str, now: datetime | None = None
) -> OpsGenieDataset:
    if region not in _API_HOST:
        raise ValueError(f"Unknown OpsGenie region {region!r}")
    now_ms = int(account_now(now).timestamp() * 1000)
    # A string seed is hashed by random.Random, so each region gets its own, stable stream.
    rng = random.Random(f"opsgenie:{seed}:{region}:{now_ms}")
    teams = _teams(rng, region)
    services = _services(rng, region, teams)
    people = _users(rng, users, now_ms)
    return OpsGenieDataset(
        incidents=_incidents(rng, incidents, region, now_ms, teams, services, people),
        users=people,
        teams=teams,
        services=services,
        region=region,
        now_ms=now_ms,
        memberships=memberships(seed, region, now_ms, people, teams),
    )


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _teams(rng: random.Random, region: str) -> list[Record]:
    teams = []
    for name, description in TEAMS:
        team_id = _uuid(rng)
        teams.append(
            {
                "id": team_id,
                "name": name,
                "description": description,
                "links": {
                    "web": f"https://{_APP_HOST[region]}/teams/dashboard/{team_id}/main",
                    "api": f"https://{_API_HOST[region]}/v2/teams/{team_id}",
                },
            }
        )
    return teams


def _services(rng: random.Random, region: str, teams: list[Record]) -> list[Record]:
    services = []
    for name, team_index in _SERVICES:
        service_id = _uuid(rng)
        services.append(
            {
                "id": service_id,
                "name": name,
                "description": f"{name} (owned by {teams[team_index]['name']})",
                "teamId": teams[team_index]["id"],
                "isExternal": rng.random() < 0.1,
                "tags": rng.sample(_TAGS, rng.randint(0, 2)),
                "visibility": rng.choice(("TEAM_MEMBERS", "OPSGENIE_USERS")),
                "links": {
                    "web": f"https://{_APP_HOST[region]}/service/{service_id}",
                    "api": f"https://{_API_HOST[region]}/v1/services/{service_id}",
                },
            }
        )
    return services


def _users(rng: random.Random, count: int, now_ms: int) -> list[Record]:
    custom_role = {"id": _uuid(rng), "name": _CUSTOM_ROLE_NAME}
    users: list[Record] = []
    taken: set[str] = set()
    for index in range(count):
        full_name, username = new_person(rng, index=index, count=count, taken=taken)
        if index == 0:
            role = {"id": "Owner", "name": "Owner"}
        elif index <= 3:
            role = {"id": "Admin", "name": "Admin"}
        elif rng.random() < 0.1:
            role = dict(custom_role)
        else:
            role = {"id": "User", "name": "User"}
        users.append(
            user_record(
                rng, full_name, username, role, may_block=index > 0, now_ms=now_ms, created_ms=None
            )
        )
    return users


def user_record(
    rng: random.Random,
    full_name: str,
    username: str,
    role: Record,
    *,
    may_block: bool,
    now_ms: int,
    created_ms: int | None,
) -> Record:
    """A `GET /v2/users` item; ``created_ms`` None draws a creation time in the last 3 years."""
    user_id = _uuid(rng)
    blocked = may_block and rng.random() < 0.07
    verified = rng.random() < 0.9
    if created_ms is None:
        created_ms = now_ms - rng.randrange(30 * _DAY_MS, 3 * 365 * _DAY_MS)
    return {
        "id": user_id,
        "username": username,
        "fullName": full_name,
        "role": role,
        "blocked": blocked,
        "verified": verified,
        "createdAt": iso_ms(created_ms),
        "timeZone": rng.choice(_TIME_ZONES),
        "locale": rng.choice(_LOCALES),
        "userAddress": {"country": "", "state": "", "city": "", "line": "", "zipCode": ""},
        "tags": [],
        "details": {},
    }


def new_user(rng: random.Random, users: list[Record], now_ms: int) -> Record:
    """Someone who joins the account now: a User, or now and then the custom role; e-mail new."""
    taken = {user["username"] for user in users}
    # index/count of a person in the middle of the list: never the markup person again.
    full_name, username = new_person(rng, index=0, count=1, taken=taken)
    custom = next((u["role"] for u in users if u["role"]["name"] == _CUSTOM_ROLE_NAME), None)
    if rng.random() < 0.1:
        role = dict(custom) if custom else {"id": _uuid(rng), "name": _CUSTOM_ROLE_NAME}
    else:
        role = {"id": "User", "name": "User"}
    return user_record(
        rng, full_name, username, role, may_block=False, now_ms=now_ms, created_ms=now_ms
    )


def other_role(rng: random.Random, user: Record, users: list[Record]) -> Record:
    """A role ``user`` does not hold: the built-in ones (never Owner) and the custom one."""
    custom = next((u["role"] for u in users if u["role"]["name"] == _CUSTOM_ROLE_NAME), None)
    roles = [{"id": name, "name": name} for name in _BUILT_IN_ROLES[1:]]
    if custom is not None:
        roles.append(dict(custom))
    choices = [role for role in roles if role["name"] != user["role"]["name"]]
    return rng.choice(choices)


def memberships(
    seed: int, region: str, now_ms: int, users: list[Record], teams: list[Record]
) -> dict[str, list[tuple[str, str]]]:
    """Who is in which team (user id → [(team id, team role)]), from a random stream of its
    own: the rest of the account is the same with or without it."""
    rng = random.Random(f"opsgenie-teams:{seed}:{region}:{now_ms}")
    return {user["id"]: team_places(rng, teams) for user in users}


def team_places(rng: random.Random, teams: list[Record]) -> list[tuple[str, str]]:
    """The teams one person is in, and their role in each: mostly `user`, some `admin`, now and
    then a custom team role (reference §5: `user`, `admin` or custom)."""
    places = []
    for team in rng.sample(teams, rng.choice((0, 1, 1, 1, 2, 2, 3))):
        draw = rng.random()
        role = "admin" if draw < 0.2 else _CUSTOM_TEAM_ROLE if draw < 0.27 else "user"
        places.append((team["id"], role))
    return places


def _incidents(
    rng: random.Random,
    count: int,
    region: str,
    now_ms: int,
    teams: list[Record],
    services: list[Record],
    users: list[Record],
) -> list[Record]:
    # Creation times first, sorted, so tinyId grows with creation as it does upstream.
    created = sorted(now_ms - rng.randrange(1, HISTORY_DAYS * _DAY_MS) for _ in range(count))
    priorities = rng.choices(
        list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()), k=count
    )
    incidents = []
    for index, created_ms in enumerate(created):
        incident = make_incident(rng, region, now_ms, created_ms, teams, services, users)
        incident["tinyId"] = str(index + 1)
        incident["priority"] = priorities[index]
        incidents.append(incident)
    return incidents


def _status(rng: random.Random, age_ms: int) -> str:
    open_share = 0.6 if age_ms < 2 * _DAY_MS else 0.25 if age_ms < 14 * _DAY_MS else 0.04
    if rng.random() < open_share:
        return "open"
    return "resolved" if rng.random() < 0.4 else "closed"


def make_incident(
    rng: random.Random,
    region: str,
    now_ms: int,
    created_ms: int,
    teams: list[Record],
    services: list[Record],
    users: list[Record],
    *,
    status: str | None = None,
) -> Record:
    incident_id = _uuid(rng)
    if status is None:
        status = _status(rng, now_ms - created_ms)
    impacted = rng.sample(services, rng.choice((1, 1, 1, 2, 3)))
    service = impacted[0]
    owner_team = next(t for t in teams if t["id"] == service["teamId"])
    fields_ = {
        "service": service["name"],
        "region": rng.choice(CLOUD_REGIONS),
        "host": f"node-{rng.randint(1, 64):02d}",
        "team": owner_team["name"],
        "count": rng.randint(2, 5000),
    }
    if rng.random() < 0.03:
        message = rng.choice(DATA_LOSS_TITLES).format(**fields_)
        description = _DATA_LOSS_DESCRIPTION.format(**fields_)
    else:
        message = fill(rng.choice(_MESSAGES), fields_)
        description = fill(rng.choice(_DESCRIPTIONS), fields_)

    impact_start = created_ms - rng.randrange(0, 30 * _MINUTE_MS) if rng.random() < 0.85 else None
    impact_end = None
    if status == "open":
        updated_ms = created_ms + rng.randrange(0, min(now_ms - created_ms, 3 * _DAY_MS) + 1)
    else:
        duration = max(5 * _MINUTE_MS, int(rng.expovariate(1 / (3 * HOUR_MS))))
        resolved_ms = min(created_ms + duration, now_ms)
        if impact_start is not None and rng.random() < 0.85:
            impact_end = resolved_ms
        later = rng.randrange(0, (3 * _DAY_MS if status == "closed" else 2 * HOUR_MS) + 1)
        updated_ms = min(resolved_ms + later, now_ms)

    responders = [{"type": "team", "id": t["id"]} for t in _unique_teams(impacted, teams)]
    if users and rng.random() < 0.3:
        responders.append({"type": "user", "id": rng.choice(users)["id"]})
    extra = {"region": fields_["region"]} if rng.random() < 0.5 else {}
    if rng.random() < 0.2:
        extra["runbook"] = f"https://runbooks.example.com/{service['id'][:8]}"

    record: Record = {
        "id": incident_id,
        "tinyId": "",
        "message": message[:130],
        "description": description,
        "status": status,
        "isSeen": status != "open" or rng.random() < 0.7,
        "tags": rng.sample(_TAGS, rng.choice((0, 1, 1, 2, 3))),
        "createdAt": iso_ms(created_ms),
        "updatedAt": iso_ms(updated_ms),
        "source": rng.choice(_SOURCES),
        "owner": "",
        "priority": "P3",
        "responders": responders,
        # Upstream sends "" rather than null for an incident without an owner team.
        "ownerTeam": owner_team["id"] if rng.random() < 0.9 else "",
        "extraProperties": extra,
        "impactedServices": [s["id"] for s in impacted],
        "links": {
            "web": f"https://{_APP_HOST[region]}/incident/detail/{incident_id}/details",
            "api": f"https://{_API_HOST[region]}/v1/incidents/{incident_id}",
        },
        "actions": rng.sample(_ACTIONS, rng.choice((0, 0, 0, 1, 2))),
    }
    if impact_start is not None:
        record["impactStartDate"] = iso_ms(impact_start)
        record["impactDetectDate"] = iso_ms(created_ms)
    if impact_end is not None:
        record["impactEndDate"] = iso_ms(impact_end)
    return record


def _unique_teams(impacted: list[Record], teams: list[Record]) -> list[Record]:
    ids = dict.fromkeys(s["teamId"] for s in impacted)
    return [t for t in teams if t["id"] in ids]
