"""Queuing sends as django-q2 tasks: right after the event's transaction commits, and for
every delivery that is due and not being sent (retries that came due, a task that never ran,
a worker that died mid-send), by the dispatcher and by a schedule every minute."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_q.tasks import async_task

from notifications.models import OPEN_STATUSES, Delivery

logger = logging.getLogger(__name__)

SEND_TASK = "notifications.tasks.send_delivery_task"
# How long a queued send task is trusted to run before the dispatcher queues another. Long
# enough for a busy queue; the claim (notifications.delivery) stops any double send anyway.
QUEUED_FOR = 60
DISPATCH_BATCH = 200


def enqueue_send(delivery_id: int) -> None:
    async_task(SEND_TASK, delivery_id, task_name=f"notification-{delivery_id}")


def waiting_for_earlier() -> Exists:
    """An earlier delivery of the same channel and alias is still to be sent: this one waits,
    so a close never overtakes the alert it closes (nor an open the close before it)."""
    return Exists(
        Delivery.objects.filter(
            channel_id=OuterRef("channel_id"),
            alias=OuterRef("alias"),
            status__in=OPEN_STATUSES,
            pk__lt=OuterRef("pk"),
        )
    )


def sendable(now: datetime) -> QuerySet[Delivery]:
    """Deliveries due now that nobody holds a claim on and that wait for no earlier one."""
    return (
        Delivery.objects.filter(status__in=OPEN_STATUSES, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .exclude(waiting_for_earlier())
    )


def dispatch_due(*, now: datetime | None = None, limit: int = DISPATCH_BATCH) -> int:
    """Queue a send task for each sendable delivery no task is queued for; how many."""
    now = now or timezone.now()
    candidates = (
        sendable(now)
        .filter(Q(queued_until__isnull=True) | Q(queued_until__lte=now))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    queued = 0
    for pk in list(candidates):
        # Conditional: the dispatcher and the minute schedule may sweep at the same moment.
        taken = (
            Delivery.objects.filter(pk=pk)
            .filter(Q(queued_until__isnull=True) | Q(queued_until__lte=now))
            .update(queued_until=now + timedelta(seconds=QUEUED_FOR))
        )
        if taken:
            enqueue_send(pk)
            queued += 1
    if queued:
        logger.info("queued %d notification deliveries", queued)
    return queued
