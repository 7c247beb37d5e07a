"""The synthetic Jira site: the OpsGenie sandbox's history continued after a move to JSM.

The site was set up ``MOVED_DAYS`` ago. Its first work items are the incidents the OpsGenie
account (the US one, as the OpsGenie emulator generated it from the same seed and options; the
mount reads it from the server, no provider importing another) had last raised by then, moved
over that day: each is a faithful copy of its original (the same title, description, status and
priority, created when the original was) and carries its OpsGenie tiny id in a label
(``opsgenie-tiny-<n>``), so the move from OpsGenie can match them. Incidents raised since
follow, then some work items that are not incidents (tasks, service requests), which the JQL must
leave out. Everything is drawn from the seed: the same seed, the same site.
"""

from __future__ import annotations

import calendar
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]

MOVED_DAYS = 30
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
INCIDENT_TYPE = {"id": "10004", "name": "[System] Incident"}
# The sandbox site's date-time custom fields for an incident's impact (a real site names its
# own: JSM_IMPACT_START_FIELD / JSM_IMPACT_END_FIELD). The impact starts before it is raised.
IMPACT_START_FIELD, IMPACT_END_FIELD = "customfield_10060", "customfield_10061"
IMPACT_LEAD_MS = 4 * 60_000
OTHER_TYPES = ({"id": "10001", "name": "Task"}, {"id": "10005", "name": "[System] Service request"})
PROJECTS = (
    {"id": "10000", "key": "OPS", "name": "Operations"},
    {"id": "10001", "key": "IT", "name": "IT support"},
)
PRIORITIES = {"Highest": 0.05, "High": 0.2, "Medium": 0.45, "Low": 0.2, "Lowest": 0.1}
PRIORITY_IDS = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}
CATEGORIES = {
    "new": {"id": 2, "key": "new", "name": "To Do"},
    "indeterminate": {"id": 4, "key": "indeterminate", "name": "In Progress"},
    "done": {"id": 3, "key": "done", "name": "Done"},
}
STATUSES = {
    "Open": "new",
    "Work in progress": "indeterminate",
    "Pending": "indeterminate",
    "Resolved": "done",
    "Closed": "done",
}
_SUMMARIES = (
    "Checkout latency above SLO in {region}",
    "Database failover on {host}",
    "Payment webhook errors rising",
    "Login page returns 502 for some users",
    "Disk almost full on {host}",
    "Certificate expiring on api gateway",
    "Queue backlog growing in {region}",
    "Elevated error rate on search",
)
_TASKS = ("Rotate the backup keys", "Onboard a new on-call engineer", "Request: VPN access")
_REGIONS = ("eu-west-1", "us-east-1", "ap-southeast-2")


@dataclass
class JsmSite:
    name: str
    cloud_id: str
    items: list[Record]
    alerts: list[Record]
    # Basic auth pairs: (email, token) → the user, with "operations": whether it has a role.
    users: list[Record] = field(default_factory=list)
    now_ms: int = 0


def jira_time(epoch_ms: int) -> str:
    """Jira's timestamp format: 2026-11-02T10:15:30.123+0000."""
    seconds, millis = divmod(epoch_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}+0000"


def generate_site(
    *,
    seed: int,
    incidents: int,
    now_ms: int,
    name: str,
    users: list[Record],
    opsgenie: Sequence[Record] = (),
) -> JsmSite:
    """The site; ``opsgenie`` is the OpsGenie account's incidents (``tinyId``, ``createdAt``...
    as its emulator serves them), of which those raised before the move are copied."""
    rng = random.Random(f"jsm:{seed}:{now_ms}")
    moved_at = now_ms - MOVED_DAYS * DAY_MS
    count = max(incidents // 2, 10)
    originals = moved_originals(opsgenie, moved_at, max(1, min(incidents, count) // 10))
    # (created, type, the original it copies)
    drafts: list[tuple[int, Record, Record | None]] = [
        (parse_opsgenie_time(original["createdAt"]), INCIDENT_TYPE, original)
        for original in originals
    ]
    for _ in range(count - len(originals)):
        drafts.append((rng.randrange(moved_at + HOUR_MS, now_ms - 60_000), INCIDENT_TYPE, None))
    for _ in range(max(incidents // 10, 3)):
        drafts.append((rng.randrange(moved_at, now_ms - 60_000), rng.choice(OTHER_TYPES), None))
    drafts.sort(key=lambda draft: draft[0])
    numbers = {"OPS": 0, "IT": 0}
    items = []
    for index, (created_ms, issue_type, original) in enumerate(drafts):
        project = PROJECTS[0] if issue_type is INCIDENT_TYPE else PROJECTS[1]
        numbers[project["key"]] += 1
        key = f"{project['key']}-{numbers[project['key']]}"
        number = 10_000 + index
        items.append(
            copied_item(number, key, original, now_ms)
            if original
            else make_item(rng, number, key, project, issue_type, created_ms, now_ms, [])
        )
    return JsmSite(
        name=name,
        cloud_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        items=items,
        alerts=_alerts(rng, now_ms),
        users=users,
        now_ms=now_ms,
    )


def make_item(
    rng: random.Random,
    number: int,
    key: str,
    project: Record,
    issue_type: Record,
    created_ms: int,
    now_ms: int,
    labels: list[str],
) -> Record:
    age = now_ms - created_ms
    open_share = 0.6 if age < 2 * DAY_MS else 0.25 if age < 14 * DAY_MS else 0.05
    status = rng.choice(("Open", "Work in progress", "Pending"))
    resolved_ms = None
    if rng.random() >= open_share:
        status = rng.choice(("Resolved", "Resolved", "Closed"))
        resolved_ms = min(
            created_ms + max(300_000, int(rng.expovariate(1 / (3 * HOUR_MS)))), now_ms
        )
    updated_ms = min((resolved_ms or created_ms) + rng.randrange(0, 2 * HOUR_MS), now_ms)
    priority = rng.choices(list(PRIORITIES), weights=list(PRIORITIES.values()))[0]
    values = {"region": rng.choice(_REGIONS), "host": f"node-{rng.randint(1, 64):02d}"}
    is_incident = issue_type is INCIDENT_TYPE
    summary = (rng.choice(_SUMMARIES) if is_incident else rng.choice(_TASKS)).format(**values)
    return {
        "id": str(number),
        "key": key,
        "fields": {
            "summary": summary,
            "description": adf(f"Raised for {values['region']}; see the runbook."),
            "issuetype": dict(issue_type),
            "project": dict(project),
            "priority": {"id": PRIORITY_IDS[priority], "name": priority},
            "status": status_of(status),
            "labels": list(labels),
            "created": jira_time(created_ms),
            "updated": jira_time(updated_ms),
            "resolutiondate": jira_time(resolved_ms) if resolved_ms else None,
            **(_impact(created_ms, resolved_ms) if is_incident else {}),
        },
    }


def moved_originals(opsgenie: Sequence[Record], moved_at: int, count: int) -> list[Record]:
    """The ``count`` OpsGenie incidents last raised before the move (by tiny id, which grows
    with creation), oldest first."""
    before = [i for i in opsgenie if parse_opsgenie_time(i["createdAt"]) < moved_at]
    return sorted(before, key=lambda incident: int(incident["tinyId"]))[-count:] if count else []


def parse_opsgenie_time(timestamp: str) -> int:
    """Epoch ms of OpsGenie's ``2026-05-01T10:15:30.123Z``."""
    seconds = calendar.timegm(time.strptime(timestamp[:19], "%Y-%m-%dT%H:%M:%S"))
    return seconds * 1000 + int(timestamp[20:23])


# OpsGenie's statuses and priorities as the moved work item has them.
MOVED_STATUS = {"open": "Open", "resolved": "Resolved", "closed": "Closed"}
MOVED_PRIORITY = {"P1": "Highest", "P2": "High", "P3": "Medium", "P4": "Low", "P5": "Lowest"}


def copied_item(number: int, key: str, original: Record, now_ms: int) -> Record:
    """An OpsGenie incident as the move copied it: its title, description, status and
    priority, created when it was, its impact window (from when it was raised when it has
    none), resolved when its impact ended (else when it last changed), labelled with its tiny
    id."""
    created_ms = parse_opsgenie_time(original["createdAt"])
    updated_ms = min(parse_opsgenie_time(original["updatedAt"]), now_ms)
    status = MOVED_STATUS.get(original["status"], "Open")
    resolved_ms = None
    if STATUSES[status] == "done":
        end = original.get("impactEndDate")
        resolved_ms = parse_opsgenie_time(end) if end else updated_ms
    start = original.get("impactStartDate")
    impact = _impact(created_ms, resolved_ms)
    if start:
        impact[IMPACT_START_FIELD] = jira_time(parse_opsgenie_time(start))
    priority = MOVED_PRIORITY.get(original.get("priority", ""), "Medium")
    return {
        "id": str(number),
        "key": key,
        "fields": {
            "summary": original["message"],
            "description": adf(str(original.get("description") or "")),
            "issuetype": dict(INCIDENT_TYPE),
            "project": dict(PROJECTS[0]),
            "priority": {"id": PRIORITY_IDS[priority], "name": priority},
            "status": status_of(status),
            "labels": [f"opsgenie-tiny-{original['tinyId']}"],
            "created": jira_time(created_ms),
            "updated": jira_time(max(updated_ms, created_ms)),
            "resolutiondate": jira_time(resolved_ms) if resolved_ms else None,
            **impact,
        },
    }


def _impact(created_ms: int, resolved_ms: int | None) -> Record:
    """An incident's impact window: from a few minutes before it was raised to its resolution
    (still going: no end)."""
    return {
        IMPACT_START_FIELD: jira_time(created_ms - IMPACT_LEAD_MS),
        IMPACT_END_FIELD: jira_time(resolved_ms) if resolved_ms else None,
    }


def status_of(name: str) -> Record:
    return {"name": name, "statusCategory": dict(CATEGORIES[STATUSES[name]])}


def adf(text: str) -> Record:
    """A one-paragraph Atlassian Document Format document, as API v3 sends descriptions."""
    paragraph = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    return {"type": "doc", "version": 1, "content": [paragraph]}


def _alerts(rng: random.Random, now_ms: int) -> list[Record]:
    alerts = []
    for index in range(25):
        created = now_ms - rng.randrange(60_000, 7 * DAY_MS)
        status = "open" if rng.random() < 0.3 else "closed"
        alerts.append(make_alert(rng, index + 1, created, min(created + HOUR_MS, now_ms), status))
    return _with_alerts_to_pass(sorted(alerts, key=lambda alert: alert["createdAt"], reverse=True))


def _with_alerts_to_pass(alerts: list[Record]) -> list[Record]:
    """``alerts`` (newest first), holding what every emulated hour changes
    (``ops_passing.pass_alerts``): two open alerts, one of them not yet acknowledged. The draws
    leave fewer for about one clock in forty (the site is drawn from its clock: the tests' is the
    hour); then the newest closed alerts are open again, and the newest open one
    unacknowledged. No draw is spent: every other site stays as it was."""
    closed = [alert for alert in alerts if alert["status"] != "open"]
    still_open = len(alerts) - len(closed)
    for alert in closed[: max(0, 2 - still_open)]:
        alert["status"] = "open"
    opened = [alert for alert in alerts if alert["status"] == "open"]
    if opened and all(alert["acknowledged"] for alert in opened):
        opened[0]["acknowledged"] = False
    return alerts


def make_alert(
    rng: random.Random, tiny: int, created_ms: int, updated_ms: int, status: str
) -> Record:
    """An Ops alert (OpsGenie's shape); a closed one was acknowledged."""
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "tinyId": str(tiny),
        "alias": f"sandbox-check-{tiny}",
        "message": rng.choice(_SUMMARIES).format(region="eu-west-1", host="node-07"),
        "status": status,
        "acknowledged": status == "closed" or rng.random() < 0.5,
        "priority": rng.choice(("P1", "P2", "P3", "P3", "P4", "P5")),
        "createdAt": ops_time(created_ms),
        "updatedAt": ops_time(updated_ms),
        "tags": [],
    }


def ops_time(epoch_ms: int) -> str:
    """The Ops API's timestamp format: 2026-11-02T10:15:30.123Z."""
    return jira_time(epoch_ms).replace("+0000", "Z")
