"""A channel that fails too often disables itself (PRODUCT 7): when 60% or more of its
deliveries of the last 12 hours failed, once enough were judged to call it a trend.

A delivery is judged once it was delivered, or once it counts as failed (``failed_at``: its
first retry cycle ended without success, or it was refused, or it ran out of retries). One
delivered after its first cycle failed counts as delivered. Test deliveries never count, nor do
deliveries from before the channel was last enabled again.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import timezone

from notifications.channel_state import disable_channel
from notifications.models import Channel, Delivery, DeliveryStatus

WINDOW = timedelta(hours=12)
# 60%, compared in whole numbers: 3 failed of 5 is exactly at the threshold.
THRESHOLD_PERCENT = 60


def failure_ratios(
    channel_ids: Iterable[int], now: datetime | None = None
) -> dict[int, tuple[int, int]]:
    """(failed, judged) by channel over its deliveries of the last 12 hours, in one query; a
    channel with none is left out."""
    now = now or timezone.now()
    delivered = Q(status=DeliveryStatus.DELIVERED)
    failed = Q(failed_at__isnull=False) & ~delivered
    # Deliveries from before the channel was last enabled again no longer count.
    fresh = Q(channel__health_since__isnull=True) | Q(created_at__gt=F("channel__health_since"))
    rows = (
        Delivery.objects.filter(
            fresh,
            channel_id__in=list(channel_ids),
            is_test=False,
            created_at__gt=now - WINDOW,
            created_at__lte=now,
        )
        .values("channel_id")
        .annotate(failed=Count("pk", filter=failed), judged=Count("pk", filter=delivered | failed))
        .order_by()
    )
    return {row["channel_id"]: (row["failed"], row["judged"]) for row in rows}


def failure_ratio(channel: Channel, now: datetime | None = None) -> tuple[int, int]:
    """(failed, judged) over the channel's deliveries of the last 12 hours."""
    return failure_ratios([channel.pk], now).get(channel.pk, (0, 0))


def too_many_failures(failed: int, judged: int) -> bool:
    minimum = max(int(settings.NOTIFICATION_DISABLE_MIN_DELIVERIES), 1)
    return judged >= minimum and failed * 100 >= THRESHOLD_PERCENT * judged


def check_channel_health(channel_id: int, *, now: datetime | None = None) -> bool:
    """Disable the channel when too many of its deliveries failed; True when it did."""
    now = now or timezone.now()
    channel = Channel.objects.filter(pk=channel_id, enabled=True).first()
    if channel is None:
        return False
    failed, judged = failure_ratio(channel, now)
    if not too_many_failures(failed, judged):
        return False
    percent = round(100 * failed / judged)
    reason = (
        f"{failed} of its {judged} deliveries in the last 12 hours failed ({percent}%, "
        f"the limit is {THRESHOLD_PERCENT}%)."
    )
    return disable_channel(channel, automatically=True, reason=reason, now=now)
