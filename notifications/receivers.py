"""Every event a channel wants becomes a delivery row, written in the transaction that caused
the event, then sent by a task queued once that transaction commits (PRODUCT 7).

Writing the row first is what makes a delivery impossible to lose: if the transaction rolls
back, the event did not happen and nothing is sent; if it commits and the task never runs (the
broker was down, the worker died), the row is due and the dispatcher sends it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from lib.events import Action, Event, EventType
from notifications.models import Channel, Delivery, DeliveryStatus
from notifications.payloads import ALIAS_MAX, alert_message, build_payload
from notifications.queue import QUEUED_FOR, enqueue_send

logger = logging.getLogger(__name__)

CHECK_EVENTS = frozenset({EventType.CHECK_FAILING, EventType.CHECK_RECOVERED})
# integrations.records.Priority, lowest first: "" (unknown) ranks below low.
INCIDENT_PRIORITY_RANKS = {"": 0, "low": 1, "medium": 2, "high": 3}
# An open alert's delivery that never reached upstream has nothing to close.
NOTHING_OPENED = (DeliveryStatus.CANCELLED, DeliveryStatus.STOPPED)
MESSAGE_FIELD_MAX = Delivery._meta.get_field("message").max_length or 300


def on_event(sender: Any, events: tuple[Event, ...], **kwargs: Any) -> None:
    """``lib.events.event_happened`` receiver (connected in NotificationsConfig.ready)."""
    record_events(events)


def record_events(events: Sequence[Event], *, now: datetime | None = None) -> list[Delivery]:
    """One pending delivery per enabled channel that wants each event, in the events' order, in
    the caller's transaction; their sends are queued when it commits. The enabled channels are
    read once for all the events."""
    now = now or timezone.now()
    channels = list(Channel.objects.filter(enabled=True).order_by("pk"))
    deliveries = [
        _delivery(channel, event, now)
        for event in events
        for channel in channels
        if wants(channel, event)
    ]
    if not deliveries:
        return []
    for delivery in deliveries:
        delivery.save()
    ids = [delivery.pk for delivery in deliveries]
    # Robust: a broker that is down must not fail the request that caused the event, which
    # has committed; the rows are due, and the dispatcher queues them after QUEUED_FOR.
    transaction.on_commit(lambda: _enqueue_all(ids), robust=True)
    return deliveries


def _enqueue_all(ids: list[int]) -> None:
    for pk in ids:
        try:
            enqueue_send(pk)
        except Exception:  # the dispatcher sends it later; see above
            logger.exception("could not queue notification delivery %s", pk)


def wants(channel: Channel, event: Event) -> bool:
    """Whether ``channel`` chose ``event``: its type, the checks it follows, the lowest incident
    priority it wants; and for a close, only when this channel opened the alert."""
    if str(event.type) not in (channel.event_types or []):
        return False
    if event.action == Action.CLOSE:
        # What it opened it closes, even if its filters (or the incident's priority) changed.
        return opened_by(channel, event.alias[:ALIAS_MAX])
    if (
        event.type in CHECK_EVENTS
        and channel.check_keys
        and event.check_key not in channel.check_keys
    ):
        return False
    return event.type != EventType.INCIDENT_NEW or _ranks_at_least(
        event.incident_priority, channel.min_incident_priority
    )


def opened_by(channel: Channel, alias: str) -> bool:
    """Whether ``channel``'s latest delivery for ``alias`` opened an alert not closed since:
    a close is sent only for what this channel opened, never as spam."""
    latest = (
        Delivery.objects.filter(channel=channel, alias=alias, is_test=False)
        .order_by("-created_at", "-pk")
        .values("action", "status")
        .first()
    )
    return (
        latest is not None
        and latest["action"] == Action.OPEN
        and latest["status"] not in NOTHING_OPENED
    )


def _ranks_at_least(priority: str, lowest: str) -> bool:
    rank = INCIDENT_PRIORITY_RANKS.get((priority or "").lower(), 0)
    return rank >= INCIDENT_PRIORITY_RANKS.get((lowest or "").lower(), 0)


def _delivery(channel: Channel, event: Event, now: datetime) -> Delivery:
    payload = build_payload(event, channel)
    return Delivery(
        channel=channel,
        event_type=str(event.type),
        action=str(event.action),
        alias=event.alias[:ALIAS_MAX],
        message=payload.get("message") or alert_message(event, MESSAGE_FIELD_MAX),
        payload=payload,
        status=DeliveryStatus.PENDING,
        created_at=now,
        next_attempt_at=now,
        # The task queued on commit sends it; the dispatcher steps in only if it does not.
        queued_until=now + timedelta(seconds=QUEUED_FOR),
    )
