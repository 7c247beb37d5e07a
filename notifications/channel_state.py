"""A channel's state as the engine and people change it: its last error, disabled and enabled
(PRODUCT 7). Every write is one conditional UPDATE of the fields it owns, so it never writes
over an edit of the channel's other fields made at the same time.

Disabling and enabling raise the channel's version (lib.concurrency): an edit form loaded
before is refused as "changed meanwhile" instead of silently enabling the channel again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from lib.events import Action, Event, EventType, emit
from notifications.end_of_life import evaluate_end_of_life
from notifications.models import OPEN_STATUSES, Channel, Delivery, DeliveryStatus

REASON_MAX = 500


def record_channel_error(channel_id: int, *, error: str, action: str, at: datetime) -> None:
    """A refusal retrying cannot cure (400, 401, 403, 422), with what to do about it."""
    Channel.objects.filter(pk=channel_id).update(
        last_error=error[:1000], last_error_action=action[:500], last_error_at=at
    )


def clear_channel_error(channel_id: int) -> None:
    """A delivery got through: whatever the channel's last error said is cured."""
    Channel.objects.filter(pk=channel_id).exclude(last_error="", last_error_action="").update(
        last_error="", last_error_action="", last_error_at=None
    )


def disable_channel(
    channel: Channel,
    *,
    by: Any = None,
    automatically: bool,
    reason: str,
    now: datetime | None = None,
) -> bool:
    """Disable ``channel`` (by a person, or by itself when too many deliveries failed): its
    open deliveries are cancelled (kept in the log), and the other channels are told
    (``CHANNEL_DISABLED``; the disabled one records nothing). False when it was already
    disabled: nothing changes and nobody is told twice."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = Channel.objects.filter(pk=channel.pk, enabled=True).update(
            enabled=False,
            disabled_at=now,
            disabled_by=by if by is not None and by.pk else None,
            disabled_automatically=automatically,
            disabled_reason=reason[:REASON_MAX],
            version=F("version") + 1,
        )
        if not changed:
            return False
        Delivery.objects.filter(channel_id=channel.pk, status__in=OPEN_STATUSES).update(
            status=DeliveryStatus.CANCELLED, next_attempt_at=None, queued_until=None
        )
        channel.refresh_from_db()
        evaluate_end_of_life()  # an enabled OpsGenie channel is one still to switch
        who = "itself" if automatically else f"by {_name(by)}"
        emit(
            Event(
                type=EventType.CHANNEL_DISABLED,
                alias=disabled_alias(channel),
                message=f"Notification channel “{channel.name}” was disabled {who}",
                description=reason,
                entity=f"Notification channel {channel.name}",
                links=_links(channel),
                details={"Reason": reason} if reason else {},
            )
        )
    return True


def enable_channel(channel: Channel, *, by: Any, now: datetime | None = None) -> bool:
    """Enable ``channel`` again with a fresh start: the failures before now no longer count
    toward disabling it. Tells every channel (``CHANNEL_CHANGED``) and closes the "disabled"
    alert the others opened. False when it was already enabled."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = Channel.objects.filter(pk=channel.pk, enabled=False).update(
            enabled=True,
            disabled_at=None,
            disabled_by=None,
            disabled_automatically=False,
            disabled_reason="",
            health_since=now,
            version=F("version") + 1,
        )
        if not changed:
            return False
        channel.refresh_from_db()
        evaluate_end_of_life()  # an enabled OpsGenie channel is one still to switch
        emit(
            Event(
                type=EventType.CHANNEL_DISABLED,
                action=Action.CLOSE,
                alias=disabled_alias(channel),
                message=f"Notification channel “{channel.name}” was enabled by {_name(by)}",
            )
        )
        emit(
            Event(
                type=EventType.CHANNEL_CHANGED,
                alias=f"channel:{channel.pk}:enabled",
                message=f"Notification channel “{channel.name}” was enabled by {_name(by)}",
                entity=f"Notification channel {channel.name}",
                links=_links(channel),
            )
        )
    return True


def disabled_alias(channel: Channel) -> str:
    return f"channel:{channel.pk}:disabled"


def _name(user: Any) -> str:
    return user.get_username() if user is not None else "the system"


def _links(channel: Channel) -> tuple[tuple[str, str], ...]:
    try:
        return (("Channel", reverse("notifications:channel", args=[channel.pk])),)
    except NoReverseMatch:  # the channel pages are not installed
        return ()
