"""The alerts an OpsGenie account already holds when the sandbox starts (reference §4.1).

Drawn from a random stream of its own, keyed by the same seed, region and clock as the rest of
the account, so the incidents, people and teams are the same with or without alerts. The people
who acknowledge and close alerts, and the teams that respond, are the account's own.
"""

from __future__ import annotations

import random
import uuid
from typing import Final

from integrations.providers.opsgenie.sandbox.data import PRIORITY_WEIGHTS, Record, iso_ms
from integrations.sandbox.names import CLOUD_REGIONS, INCIDENT_TITLES, fill

ALERT_HISTORY_DAYS: Final = 30
_DAY_MS: Final = 86_400_000
_MINUTE_MS: Final = 60_000

_MONITORS: Final = (
    ("Datadog", "Datadog"),
    ("Prometheus Alertmanager", "Prometheus"),
    ("CloudWatch", "CloudWatch"),
    ("Heartbeat", "Heartbeat"),
    ("Email", "Email"),
)
_ALERT_MESSAGES: Final = (
    *INCIDENT_TITLES[:4],
    "CPU above 90% on {host}",
    "Disk 95% full on {host} ({region})",
    "Certificate for {service} expires in 7 days",
    "Heartbeat {service}-cron expired",
    "5xx rate above 2% on {service}",
)
_TAGS: Final = ("infra", "database", "network", "customer-impact", "noise", "k8s", "security")
_ACTIONS: Final = ("Restart", "Silence", "Open runbook")


def generate_alerts(
    *,
    seed: int,
    region: str,
    now_ms: int,
    count: int,
    teams: list[Record],
    users: list[Record],
) -> list[Record]:
    """`count` alerts created over the last 30 days, oldest first, tinyIds 1..count."""
    rng = _stream(seed, region, now_ms)
    integrations = _monitors(rng)
    created = sorted(now_ms - rng.randrange(1, ALERT_HISTORY_DAYS * _DAY_MS) for _ in range(count))
    return [
        _alert(rng, index + 1, created_ms, now_ms, integrations, teams, users)
        for index, created_ms in enumerate(created)
    ]


def alert_monitors(*, seed: int, region: str, now_ms: int) -> list[Record]:
    """The monitoring integrations the alerts generate_alerts() drew came through (the same
    ids): the ones new alerts come through as time passes."""
    return _monitors(_stream(seed, region, now_ms))


def new_alert(
    rng: random.Random,
    tiny: int,
    at_ms: int,
    integrations: list[Record],
    teams: list[Record],
    users: list[Record],
) -> Record:
    """An alert raised at ``at_ms`` through one of ``integrations``: open, unacknowledged, unseen,
    occurred once, with no report yet."""
    record = _alert(rng, tiny, at_ms, at_ms, integrations, teams, users)
    record.update(
        status="open",
        acknowledged=False,
        isSeen=False,
        seen=False,
        snoozed=False,
        count=1,
        lastOccurredAt=record["createdAt"],
        updatedAt=record["createdAt"],
        owner="",
        report={},
    )
    record.pop("snoozedUntil", None)
    return record


def _stream(seed: int, region: str, now_ms: int) -> random.Random:
    return random.Random(f"opsgenie-alerts:{seed}:{region}:{now_ms}")


def _monitors(rng: random.Random) -> list[Record]:
    return [
        {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "name": name, "type": kind}
        for name, kind in _MONITORS
    ]


def _alert(
    rng: random.Random,
    tiny: int,
    created_ms: int,
    now_ms: int,
    integrations: list[Record],
    teams: list[Record],
    users: list[Record],
) -> Record:
    integration = rng.choice(integrations)
    team = rng.choice(teams)
    fields = {
        "host": f"node-{rng.randint(1, 64):02d}",
        "region": rng.choice(CLOUD_REGIONS),
        "service": rng.choice(("checkout", "billing", "search", "auth", "backups")),
        "team": team["name"],
        "count": rng.randint(2, 500),
    }
    message = fill(rng.choice(_ALERT_MESSAGES), fields)[:130]
    age = now_ms - created_ms
    closed = rng.random() < (0.3 if age < _DAY_MS else 0.93)
    acknowledged = closed or rng.random() < 0.4
    count = 1 if rng.random() < 0.6 else rng.randint(2, 40)
    last_ms = created_ms + (rng.randrange(0, age + 1) if count > 1 else 0)
    report: Record = {}
    updated_ms = last_ms
    if acknowledged:
        ack_ms = min(created_ms + rng.randrange(_MINUTE_MS, 60 * _MINUTE_MS), now_ms)
        report.update(ackTime=ack_ms - created_ms, acknowledgedBy=username(rng, users))
        updated_ms = max(updated_ms, ack_ms)
    if closed:
        close_ms = min(created_ms + rng.randrange(10 * _MINUTE_MS, 2 * _DAY_MS), now_ms)
        report.update(closeTime=close_ms - created_ms, closedBy=username(rng, users))
        updated_ms = max(updated_ms, close_ms)
    snoozed = not closed and rng.random() < 0.05
    alert_id = f"{uuid.UUID(int=rng.getrandbits(128), version=4)}-{created_ms}"
    record: Record = {
        "id": alert_id,
        "tinyId": str(tiny),
        "alias": f"{fields['service']}-{fields['host']}-{tiny}" if rng.random() < 0.8 else alert_id,
        "message": message,
        "status": "closed" if closed else "open",
        "acknowledged": acknowledged,
        "isSeen": acknowledged or rng.random() < 0.5,
        "tags": rng.sample(_TAGS, rng.choice((0, 1, 1, 2, 3))),
        "snoozed": snoozed,
        "count": count,
        "lastOccurredAt": iso_ms(last_ms),
        "createdAt": iso_ms(created_ms),
        "updatedAt": iso_ms(updated_ms),
        "source": integration["name"],
        "owner": username(rng, users) if acknowledged and rng.random() < 0.7 else "",
        "priority": rng.choices(list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()))[0],
        "responders": [{"type": "team", "id": team["id"]}],
        "integration": dict(integration),
        "report": report,
        "ownerTeamId": team["id"],
        "actions": rng.sample(_ACTIONS, rng.choice((0, 0, 1, 2))),
        "entity": fields["host"],
        "description": f"{message}\nRegion: {fields['region']}. Team: {team['name']}.",
        "details": {"region": fields["region"], "host": fields["host"]},
    }
    record["seen"] = record["isSeen"]
    if snoozed:
        record["snoozedUntil"] = iso_ms(now_ms + rng.randrange(_MINUTE_MS, _DAY_MS))
    return record


def username(rng: random.Random, users: list[Record]) -> str:
    return rng.choice(users)["username"] if users else "System"
