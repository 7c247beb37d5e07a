"""Helpers the notification tests share (imported, not fixtures)."""

from __future__ import annotations

from datetime import datetime, timedelta

from lib.events import Action, Event, EventType
from notifications.models import Channel, Delivery, DeliveryStatus
from notifications.receivers import record_events


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
    (delivery,) = [d for d in record_events([event], now=now) if d.channel_id == channel.pk]
    return delivery


def judged(channel: Channel, at: datetime, *, failed: int, delivered: int) -> None:
    """Deliveries of ``channel`` created at ``at``, already judged."""
    for n in range(failed + delivered):
        is_failed = n < failed
        Delivery.objects.create(
            channel=channel,
            event_type="check_failing",
            alias=f"check:{n}",
            message="m",
            created_at=at,
            status=DeliveryStatus.RETRYING if is_failed else DeliveryStatus.DELIVERED,
            failed_at=at if is_failed else None,
            next_attempt_at=at + timedelta(minutes=5) if is_failed else None,
        )
