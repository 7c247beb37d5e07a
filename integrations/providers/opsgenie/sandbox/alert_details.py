"""What hangs off one alert (reference/opsgenie-api.md §4.3): its activity log, its notes and
who it was sent to.

Drawn from a random stream keyed by the alert's id (itself drawn from the account's seed), and
from the alert as it is now: the same alert always has the same history, an acknowledged or
closed one has the log entries saying by whom, and an alert acknowledged or closed later (time
passing, or through the API) gains them then. The recipients are the members of the responding
team (the account's own people), with whoever acknowledged or closed it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Final

from integrations.providers.opsgenie.sandbox.alerts import Record, iso_ms
from integrations.providers.opsgenie.sandbox.data import parse_iso_ms

_MINUTE_MS: Final = 60_000
_METHODS: Final = ("Email", "SMS", "Voice", "Mobile")
# `<`, `&` and quotes on purpose: notes are free text a reader must escape.
_NOTES: Final = (
    "Looking into it.",
    "Rolled back the last deploy; watching the error rate.",
    "Runbook step 3 done: restarted <worker> & cleared the queue.",
    'Customer-facing? Checked the status page: "all systems operational".',
    "Handing over to the next on-call.",
    "Root cause: a full disk on the node. Ticket filed.",
)
NOT_FOUND: Final = "Alert with {kind} [{identifier}] does not exist."


@dataclass(frozen=True)
class People:
    """The account's users and who is in which team (user id → [(team id, role)])."""

    users: list[Record] = field(default_factory=list)
    memberships: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # (type, name or username) → id of the account's teams, users, escalations and schedules.
    ids: dict[tuple[str, str], str] = field(default_factory=dict)


def _rng(alert: Record, part: str) -> random.Random:
    return random.Random(f"opsgenie-alert-{part}:{alert['id']}")


def alert_recipients(alert: Record, people: People) -> list[Record]:
    """`GET /v2/alerts/{id}/recipients` items: the responding teams' members (at most 4), and
    whoever acknowledged or closed the alert."""
    rng = _rng(alert, "recipients")
    teams = {r.get("id") for r in alert.get("responders") or [] if r.get("type") == "team"}
    members = [
        user
        for user in people.users
        if any(team in teams for team, _role in people.memberships.get(user["id"], []))
    ]
    chosen = rng.sample(members, min(len(members), 4))
    report = alert.get("report") or {}
    by_name = {user["username"]: user for user in people.users}
    for name in (report.get("acknowledgedBy"), report.get("closedBy")):
        user = by_name.get(name or "")
        if user is not None and user not in chosen:
            chosen.append(user)
    created = parse_iso_ms(alert["createdAt"])
    recipients = []
    for user in chosen:
        acted = user["username"] in (report.get("acknowledgedBy"), report.get("closedBy"))
        sent = created + rng.randrange(0, _MINUTE_MS)
        recipients.append(
            {
                "user": {"id": user["id"], "username": user["username"]},
                "state": "acknowledged" if acted else "notified",
                "method": rng.choice(_METHODS),
                "createdAt": iso_ms(sent),
                "updatedAt": iso_ms(max(sent, parse_iso_ms(alert["updatedAt"]))),
                "aware": acted or rng.random() < 0.5,
            }
        )
    return recipients


def alert_notes(alert: Record, people: People) -> list[Record]:
    """`GET /v2/alerts/{id}/notes` items, oldest first, each with its offset key."""
    rng = _rng(alert, "notes")
    created, updated = parse_iso_ms(alert["createdAt"]), parse_iso_ms(alert["updatedAt"])
    owners = [r["user"]["username"] for r in alert_recipients(alert, people)] or ["System"]
    moments = sorted(created + rng.randrange(0, updated - created + 1) for _ in _note_count(rng))
    return [
        {"note": rng.choice(_NOTES), "owner": rng.choice(owners), "createdAt": iso_ms(ms)}
        | {"offset": _offset(ms, index)}
        for index, ms in enumerate(moments)
    ]


def _note_count(rng: random.Random) -> range:
    return range(rng.choice((0, 0, 1, 1, 2, 3)))


def alert_logs(alert: Record, people: People) -> list[Record]:
    """`GET /v2/alerts/{id}/logs` items, oldest first, each with its offset key."""
    created = parse_iso_ms(alert["createdAt"])
    integration = (alert.get("integration") or {}).get("name") or "API"
    entries: list[tuple[int, str, str, str]] = [
        (created, f"Alert created via {integration}", "system", "System")
    ]
    for recipient in alert_recipients(alert, people):
        name, sent = recipient["user"]["username"], parse_iso_ms(recipient["createdAt"])
        entries.append((sent, f"Sent [{recipient['method']}] to {name}", "alertRecipient", name))
    for note in alert_notes(alert, people):
        owner = note["owner"]
        entries.append((parse_iso_ms(note["createdAt"]), f"{owner} added note", "note", owner))
    if alert.get("count", 1) > 1 and alert.get("lastOccurredAt"):
        moment = parse_iso_ms(alert["lastOccurredAt"])
        entries.append((moment, f"Alert count increased to {alert['count']}", "system", "System"))
    report = alert.get("report") or {}
    for done, key, by_key in (
        (alert.get("acknowledged"), "ackTime", "acknowledgedBy"),
        (alert.get("status") == "closed", "closeTime", "closedBy"),
    ):
        if done:
            moment = created + int(report.get(key) or 0)
            who = report.get(by_key) or "System"
            verb = "acknowledged" if key == "ackTime" else "closed"
            entries.append((moment, f"Alert {verb} by {who}", "system", who))
    entries.sort(key=lambda entry: entry[0])
    return [
        {"log": log, "type": kind, "owner": owner, "createdAt": iso_ms(ms)}
        | {"offset": _offset(ms, index)}
        for index, (ms, log, kind, owner) in enumerate(entries)
    ]


def _offset(epoch_ms: int, index: int) -> str:
    """Upstream's key shape, "<epoch ms>_<epoch ns>": unique, and ordered as text."""
    return f"{epoch_ms:013d}_{epoch_ms * 1_000_000 + index:019d}"
