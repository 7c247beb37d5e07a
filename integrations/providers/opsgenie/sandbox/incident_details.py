"""What hangs off one incident (reference/opsgenie-api.md §3.4): its notes, its activity log and
its timeline (v2).

Drawn from a random stream keyed by the incident's id (itself drawn from the account's seed),
and from the incident as it is now: the same incident always has the same notes, each at a
fixed time after its creation and listed once the incident's `updatedAt` has reached it, and a
resolved or closed incident has the log and timeline entries saying so (an incident resolved
later, as time passes, gains them then). Some incidents' notes or timeline report data loss, so
a sync that reads them flags those incidents as their titles would.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Final

from integrations.providers.opsgenie.sandbox.data import Record, iso_ms, parse_iso_ms
from integrations.sandbox.names import fill

_MINUTE_MS: Final = 60_000
# `<`, `&` and quotes on purpose: notes are free text a reader must escape.
_NOTES: Final = (
    "Looking into it; paging the database on-call.",
    "Rolled back the last deploy of {service}; error rate back to normal.",
    "Runbook step 2 done: drained <node> & restarted the workers.",
    'Status page updated: "degraded performance".',
    "Handing over to the next on-call.",
    "Root cause: an expired certificate on {service}. Postmortem to follow.",
)
# A note saying data was lost or exposed: the incident is flagged for assessment.
_DATA_LOSS_NOTES: Final = (
    "Checked the export bucket: {count} records were exposed to the partner account.",
    "Confirmed data loss in {service}: writes of the last {minutes} minutes are gone.",
)
_TIMELINE_CUSTOM: Final = (
    ("Customer communication", "Support sent the first update to affected customers."),
    ("Mitigation", "Traffic moved to the standby region."),
)
_TIMELINE_DATA_LOSS: Final = (
    "Privacy assessment",
    "Legal was told: {count} records were exposed before the link was revoked.",
)
DATA_LOSS_SHARE: Final = 0.12
NOT_FOUND: Final = "Incident with {kind} [{identifier}] does not exist."


@dataclass(frozen=True)
class Account:
    """Who writes the notes (usernames) and the services' names (id → name)."""

    usernames: list[str] = field(default_factory=list)
    services: dict[str, str] = field(default_factory=dict)


def _rng(incident: Record, part: str) -> random.Random:
    return random.Random(f"opsgenie-incident-{part}:{incident['id']}")


def _offset(epoch_ms: int, index: int) -> str:
    """Upstream's key shape, "<epoch ms>_<epoch ns>": unique, and ordered as text."""
    return f"{epoch_ms:013d}_{epoch_ms * 1_000_000 + index:019d}"


def _fields(rng: random.Random, incident: Record, account: Account) -> dict[str, object]:
    impacted = incident.get("impactedServices") or [""]
    return {
        "service": account.services.get(impacted[0], "the service"),
        "count": rng.randint(12, 48_000),
        "minutes": rng.randint(5, 90),
    }


def incident_notes(incident: Record, account: Account) -> list[Record]:
    """`GET /v1/incidents/{id}/notes` items, oldest first, each with its offset key."""
    rng = _rng(incident, "notes")
    created, updated = parse_iso_ms(incident["createdAt"]), parse_iso_ms(incident["updatedAt"])
    values = _fields(rng, incident, account)
    texts = [rng.choice(_NOTES) for _ in range(rng.choice((0, 1, 1, 2, 3)))]
    if rng.random() < DATA_LOSS_SHARE:
        texts.insert(rng.randrange(len(texts) + 1), rng.choice(_DATA_LOSS_NOTES))
    moments = sorted(created + rng.randrange(1, 30) * _MINUTE_MS for _ in texts)
    owners = account.usernames or ["System"]
    return [
        {
            "note": fill(text, values),
            "owner": rng.choice(owners),
            "createdAt": iso_ms(ms),
            "offset": _offset(ms, index),
        }
        for index, (ms, text) in enumerate(zip(moments, texts, strict=True))
        if ms <= updated
    ]


def _lifecycle(incident: Record) -> list[tuple[int, str, str]]:
    """(epoch ms, what happened, its timeline type) of the incident's status changes so far."""
    events = [(parse_iso_ms(incident["createdAt"]), "created", "IncidentCreated")]
    if incident["status"] in ("resolved", "closed"):
        resolved = incident.get("impactEndDate") or incident["updatedAt"]
        events.append((parse_iso_ms(resolved), "resolved", "IncidentResolved"))
    if incident["status"] == "closed":
        events.append((parse_iso_ms(incident["updatedAt"]), "closed", "IncidentClosed"))
    return events


def incident_logs(incident: Record, account: Account) -> list[Record]:
    """`GET /v1/incidents/{id}/logs` items, oldest first, each with its offset key."""
    entries: list[tuple[int, str, str, str]] = []
    for ms, what, _type in _lifecycle(incident):
        text = f"Incident {what} via {incident['source']}" if what == "created" else ""
        entries.append((ms, text or f"Incident {what}", "system", "System"))
    for note in incident_notes(incident, account):
        owner = note["owner"]
        entries.append((parse_iso_ms(note["createdAt"]), f"{owner} added note", "note", owner))
    entries.sort(key=lambda entry: entry[0])
    return [
        {"log": log, "type": kind, "owner": owner, "createdAt": iso_ms(ms)}
        | {"offset": _offset(ms, index)}
        for index, (ms, log, kind, owner) in enumerate(entries)
    ]


def _entry(rng: random.Random, ms: int, kind: str, title: str, text: str, actor: str) -> Record:
    custom = kind == "CustomUserEntry"
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "group": "custom" if custom else "default",
        "type": kind,
        "eventTime": iso_ms(ms),
        "hidden": False,
        "actor": {"name": actor, "type": "user" if custom else "system"},
        "description": {"type": "text", "content": text},
        "title": {"type": "text", "content": title},
        "lastEdit": {"editTime": iso_ms(ms), "actor": {"name": actor, "type": "user"}},
    }


def incident_timeline(incident: Record, account: Account) -> list[Record]:
    """`GET /v2/incident-timelines/{id}/entries` items, oldest first."""
    rng = _rng(incident, "timeline")
    updated = parse_iso_ms(incident["updatedAt"])
    created = parse_iso_ms(incident["createdAt"])
    entries = [
        _entry(rng, ms, kind, f"Incident {what}", "", "System")
        for ms, what, kind in _lifecycle(incident)
    ]
    owners = account.usernames or ["System"]
    custom: list[tuple[str, str]] = []
    if rng.random() < 0.3:
        custom.append(rng.choice(_TIMELINE_CUSTOM))
    if rng.random() < DATA_LOSS_SHARE / 3:
        title, text = _TIMELINE_DATA_LOSS
        custom.append((title, fill(text, _fields(rng, incident, account))))
    for title, text in custom:
        ms = created + rng.randrange(2, 45) * _MINUTE_MS
        entry = _entry(rng, ms, "CustomUserEntry", title, text, rng.choice(owners))
        if ms <= updated:
            entries.append(entry)
    entries.sort(key=lambda entry: (entry["eventTime"], entry["id"]))
    return entries
