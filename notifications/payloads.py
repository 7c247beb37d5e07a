"""What a channel sends for an event: OpsGenie's create and close bodies, PagerDuty's Events v2
event. Pure functions of the event and the channel's choices (PRODUCT 7).

OpsGenie refuses an alert whose fields are too long (reference/opsgenie-api.md §4.2), and an
alert refused is an alert lost: every field is shortened to its limit here instead ("…" marks
the cut), so an event is never rejected for its size. Nothing here holds a secret: the stored
``Delivery.payload`` is the body as sent, and PagerDuty's routing key is added only by the
transport, at send time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from django.conf import settings

from lib.events import PRIORITIES, Action, Event, EventType
from notifications.models import ChannelKind

SOURCE = "EvidenceHub"
ELLIPSIS = "…"
# OpsGenie's limits (docs.opsgenie.com "Alerts and alert fields"; reference §4.2).
MESSAGE_MAX = 130
ALIAS_MAX = 512
DESCRIPTION_MAX = 15_000
TAGS_MAX = 20
TAG_MAX = 50
# Not confirmed upstream (a third-party schema, recalled values): kept to, all the same.
ENTITY_MAX = 512
DETAILS_MAX = 8_000
NOTE_MAX = 1_000
# PagerDuty Events API v2 (reference/jsm-access-outbound.md).
SUMMARY_MAX = 1_024
DEDUP_KEY_MAX = 255
PAGERDUTY_SEVERITIES = {
    "P1": "critical",
    "P2": "error",
    "P3": "warning",
    "P4": "info",
    "P5": "info",
}


class ChannelChoices(Protocol):
    """What a payload reads of a channel: a saved ``Channel`` or one a form has not saved."""

    kind: str
    priority_overrides: Any


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with "…"."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def one_line(text: str) -> str:
    """An alert's message is one line: newlines, tabs and runs of spaces become one space."""
    return " ".join(text.split())


def alert_message(event: Event, limit: int = MESSAGE_MAX) -> str:
    """The message an alert shows; never empty (OpsGenie refuses an empty one)."""
    return shorten(one_line(event.message) or event.type.label, limit)


def priority_for(event_type: EventType, overrides: Mapping[str, str] | None) -> str:
    """The channel's own priority for this type when it set a valid one, else the default."""
    chosen = (overrides or {}).get(str(event_type))
    return chosen if chosen in PRIORITIES else event_type.default_priority


def absolute_url(path: str) -> str:
    """A link of this site as the on-call team can open it (``SITE_URL`` + path)."""
    if path.startswith(("https://", "http://")):
        return path
    return settings.SITE_URL + "/" + path.lstrip("/")


def dedup_key(alias: str) -> str:
    """PagerDuty's dedup key for an alias: the alias itself when it fits in 255 characters,
    else its start and a digest of the whole (stable, so the resolve matches the trigger)."""
    if len(alias) <= DEDUP_KEY_MAX:
        return alias
    digest = hashlib.sha256(alias.encode()).hexdigest()[:32]
    return f"{alias[: DEDUP_KEY_MAX - len(digest) - 1]}~{digest}"


def opsgenie_create_body(event: Event, channel: ChannelChoices) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message": alert_message(event),
        "alias": event.alias[:ALIAS_MAX],
        "source": SOURCE,
        "priority": priority_for(event.type, channel.priority_overrides),
        "tags": _tags((SOURCE, event.type.group.value, event.type.value, *event.tags)),
        "details": _details(event),
    }
    if event.description.strip():
        body["description"] = shorten(event.description, DESCRIPTION_MAX)
    if event.entity.strip():
        body["entity"] = shorten(event.entity, ENTITY_MAX)
    return body


def opsgenie_close_body(event: Event) -> dict[str, Any]:
    return {"source": SOURCE, "note": shorten(one_line(event.message), NOTE_MAX)}


def pagerduty_body(event: Event, channel: ChannelChoices) -> dict[str, Any]:
    if event.action == Action.CLOSE:
        return {"event_action": "resolve", "dedup_key": dedup_key(event.alias)}
    custom_details: dict[str, str] = {}
    if event.description.strip():
        custom_details["description"] = shorten(event.description, DESCRIPTION_MAX)
    custom_details.update(_details(event, with_links=False))
    payload: dict[str, Any] = {
        "summary": alert_message(event, SUMMARY_MAX),
        "source": SOURCE,
        "severity": PAGERDUTY_SEVERITIES[priority_for(event.type, channel.priority_overrides)],
        "group": event.type.group.value,
        "class": event.type.value,
        "custom_details": custom_details,
    }
    if event.entity.strip():
        payload["component"] = shorten(event.entity, ENTITY_MAX)
    return {
        "event_action": "trigger",
        "dedup_key": dedup_key(event.alias),
        "payload": payload,
        "links": [{"href": absolute_url(path), "text": label} for label, path in event.links],
        "client": SOURCE,
        "client_url": settings.SITE_URL,
    }


def build_payload(event: Event, channel: ChannelChoices) -> dict[str, Any]:
    """The body a channel of this kind sends for ``event`` (its action included)."""
    if channel.kind == ChannelKind.PAGERDUTY:
        return pagerduty_body(event, channel)
    if event.action == Action.CLOSE:
        return opsgenie_close_body(event)
    return opsgenie_create_body(event, channel)


def _tags(tags: Iterable[str]) -> list[str]:
    kept: list[str] = []
    for tag in tags:
        tag = shorten(one_line(tag), TAG_MAX)
        if tag and tag not in kept:
            kept.append(tag)
    return kept[:TAGS_MAX]


def _details(event: Event, *, with_links: bool = True) -> dict[str, str]:
    """The links back to this site (absolute), then the event's own details, as OpsGenie's
    string-to-string map within its total size."""
    pairs: list[tuple[str, str]] = []
    if with_links:
        pairs += [(label, absolute_url(path)) for label, path in event.links]
    pairs += [(str(name), str(value)) for name, value in event.details.items()]
    details: dict[str, str] = {}
    room = DETAILS_MAX
    for name, value in pairs:
        name = shorten(name, 100)
        if name in details or room <= len(name) + 1:
            continue
        value = shorten(value, room - len(name))
        details[name] = value
        room -= len(name) + len(value)
    return details
