"""What hangs off one alert (reference/opsgenie-api.md §4.3): its activity log, its notes and
who it was sent to.

Drawn from a random stream keyed by the alert's id (itself drawn from the account's seed), and
from the alert as it is now: the same alert always has the same history, an acknowledged or
closed one has the log entries saying by whom, and an alert acknowledged or closed later (time
passing, or through the API) gains them then. The recipients are the members of the responding
team (the account's own people), with whoever acknowledged or closed it.

What an alert already showed never changes when it changes later: its notes are drawn over the
first NOTE_SPAN_MS of its life, each shown once the alert's ``updatedAt`` has reached it, by one
of the people first notified; and every log entry's offset is its moment and its own place
among the alert's entries (the creation, each recipient, each note, the count, the
acknowledgement, the close), not its index in the list, so an entry added before others moves
no other entry's key.
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
# The notes of an alert fall within this long after its creation.
NOTE_SPAN_MS: Final = 2 * 86_400_000
# Each kind of log entry's place (the offset's last digits) at one moment.
_CREATED, _SENT, _NOTE, _COUNT, _ACKNOWLEDGED, _CLOSED = 0, 1_000, 2_000, 3_000, 4_000, 4_001


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
    chosen = _notified(rng, alert, people)
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
        # Three draws each, whatever the alert's state: the next recipient's stay the same.
        sent = created + rng.randrange(0, _MINUTE_MS)
        method, aware = rng.choice(_METHODS), rng.random() < 0.5
        recipients.append(
            {
                "user": {"id": user["id"], "username": user["username"]},
                "state": "acknowledged" if acted else "notified",
                "method": method,
                "createdAt": iso_ms(sent),
                "updatedAt": iso_ms(max(sent, parse_iso_ms(alert["updatedAt"]))),
                "aware": acted or aware,
            }
        )
    return recipients


def _notified(rng: random.Random, alert: Record, people: People) -> list[Record]:
    """The members of the responding teams the alert was first sent to (at most 4)."""
    teams = {r.get("id") for r in alert.get("responders") or [] if r.get("type") == "team"}
    members = [
        user
        for user in people.users
        if any(team in teams for team, _role in people.memberships.get(user["id"], []))
    ]
    return rng.sample(members, min(len(members), 4))


def alert_notes(alert: Record, people: People) -> list[Record]:
    """`GET /v2/alerts/{id}/notes` items, oldest first, each with its offset key: those of the
    alert's notes its ``updatedAt`` has reached."""
    rng = _rng(alert, "notes")
    created, updated = parse_iso_ms(alert["createdAt"]), parse_iso_ms(alert["updatedAt"])
    first = _notified(_rng(alert, "recipients"), alert, people)
    owners = [user["username"] for user in first] or ["System"]
    moments = sorted(created + rng.randrange(0, NOTE_SPAN_MS) for _ in _note_count(rng))
    notes = [
        {"note": rng.choice(_NOTES), "owner": rng.choice(owners), "createdAt": iso_ms(ms)}
        | {"offset": _offset(ms, _NOTE + index)}
        for index, ms in enumerate(moments)
    ]
    return [note for note, ms in zip(notes, moments, strict=True) if ms <= updated]


def _note_count(rng: random.Random) -> range:
    return range(rng.choice((0, 0, 1, 1, 2, 3)))


def alert_logs(alert: Record, people: People) -> list[Record]:
    """`GET /v2/alerts/{id}/logs` items, oldest first, each with its offset key."""
    created = parse_iso_ms(alert["createdAt"])
    integration = (alert.get("integration") or {}).get("name") or "API"
    # (moment, place, log, type, owner)
    entries: list[tuple[int, int, str, str, str]] = [
        (created, _CREATED, f"Alert created via {integration}", "system", "System")
    ]
    for index, recipient in enumerate(alert_recipients(alert, people)):
        name, sent = recipient["user"]["username"], parse_iso_ms(recipient["createdAt"])
        log = f"Sent [{recipient['method']}] to {name}"
        entries.append((sent, _SENT + index, log, "alertRecipient", name))
    for note in alert_notes(alert, people):
        owner, moment = note["owner"], parse_iso_ms(note["createdAt"])
        place = int(note["offset"].split("_")[1]) % 1_000_000  # the note's own: _NOTE + n
        entries.append((moment, place, f"{owner} added note", "note", owner))
    if alert.get("count", 1) > 1 and alert.get("lastOccurredAt"):
        moment = parse_iso_ms(alert["lastOccurredAt"])
        log = f"Alert count increased to {alert['count']}"
        entries.append((moment, _COUNT, log, "system", "System"))
    report = alert.get("report") or {}
    for done, key, by_key, place in (
        (alert.get("acknowledged"), "ackTime", "acknowledgedBy", _ACKNOWLEDGED),
        (alert.get("status") == "closed", "closeTime", "closedBy", _CLOSED),
    ):
        if done:
            moment = created + int(report.get(key) or 0)
            who = report.get(by_key) or "System"
            verb = "acknowledged" if key == "ackTime" else "closed"
            entries.append((moment, place, f"Alert {verb} by {who}", "system", who))
    entries.sort(key=lambda entry: entry[:2])
    return [
        {"log": log, "type": kind, "owner": owner, "createdAt": iso_ms(ms)}
        | {"offset": _offset(ms, place)}
        for ms, place, log, kind, owner in entries
    ]


def _offset(epoch_ms: int, place: int) -> str:
    """Upstream's key shape, "<epoch ms>_<epoch ns>": unique (no two entries of an alert share
    a moment and a place), and ordered as text."""
    return f"{epoch_ms:013d}_{epoch_ms * 1_000_000 + place:019d}"
