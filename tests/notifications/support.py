"""Helpers the notification tests share (imported, not fixtures)."""

from __future__ import annotations

from datetime import datetime

from lib.events import Action, Event, EventType
from notifications.models import Channel, Delivery
from notifications.receivers import record_event


def failing(check: str = "mfa-enforced") -> Event:
    return Event(
        type=EventType.CHECK_FAILING,
        alias=f"check:{check}",
        message=f"Check {check} is failing",
        check_key=check,
    )


def recovered(check: str = "mfa-enforced") -> Event:
    return Event(
        type=EventType.CHECK_RECOVERED,
        alias=f"check:{check}",
        message=f"Check {check} recovered",
        action=Action.CLOSE,
        check_key=check,
    )


def delivery_for(channel: Channel, event: Event, now: datetime) -> Delivery:
    """The delivery ``channel`` records for ``event`` at ``now``."""
    (delivery,) = [d for d in record_event(event, now=now) if d.channel_id == channel.pk]
    return delivery
