"""Sending one delivery: claim it, make one request, log the attempt, decide what comes next
(PRODUCT 7).

The claim is one conditional UPDATE, which the database grants to one worker only: when the
task queued on commit and the dispatcher's task race, or two workers pick the same delivery,
exactly one sends. It is a lease: a worker that dies mid-send leaves a claim that expires
(``lease``), after which the delivery is due again and sent by the next sweep; nothing is lost,
and at worst an alert is sent twice, which OpsGenie and PagerDuty de-duplicate by alias.

No transaction is held across the request (STYLE 4): claim, send, then record in one short
transaction. After a failure the next attempt is a time on the row (Wallarm's cycles,
notifications.retry), never a sleep.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications.channel_state import clear_channel_error, record_channel_error
from notifications.health import check_channel_health
from notifications.models import OPEN_STATUSES, Attempt, Delivery, DeliveryStatus
from notifications.queue import sendable
from notifications.refusals import Refusal, local_refusal, refusal_for
from notifications.retry import Step, delay_before, ends_first_cycle, next_step
from notifications.transport import Answer, Target, UnknownEndpoint, probe_other_region, send

logger = logging.getLogger(__name__)

NO_KEY = "The channel has no key: enter the key of the integration again."


def send_deadline() -> float:
    return float(settings.NOTIFICATION_SEND_DEADLINE_SECONDS)


def lease() -> timedelta:
    """How long a claim lasts: the send and the other-region probe, each within the deadline,
    and the writes after them."""
    return timedelta(seconds=2 * send_deadline() + 30)


def claim(delivery_id: int, *, now: datetime) -> str | None:
    """Claim a due delivery for one send; its claim token, or None when it is not due, is
    claimed by a live worker, waits for an earlier delivery, or is finished."""
    token = uuid.uuid4().hex
    claimed = (
        sendable(now)
        .filter(pk=delivery_id)
        .update(claimed_until=now + lease(), claim_token=token, queued_until=None)
    )
    return token if claimed else None


def attempt(delivery_id: int, *, now: datetime | None = None) -> Delivery | None:
    """Send the delivery once if it is due and unclaimed, and record what came of it; the
    delivery as it stands after, or None when there was nothing to do."""
    now = now or timezone.now()
    token = claim(delivery_id, now=now)
    if token is None:
        return None
    delivery = Delivery.objects.select_related("channel").get(pk=delivery_id)
    channel = delivery.channel
    step = Step(delivery.cycle, delivery.step)
    if not channel.enabled:
        Delivery.objects.filter(pk=delivery_id, claim_token=token).update(
            status=DeliveryStatus.CANCELLED, next_attempt_at=None, claimed_until=None
        )
        return Delivery.objects.get(pk=delivery_id)
    target = Target.of(channel)
    refusal: Refusal | None = None
    try:
        if not target.secret:
            raise UnknownEndpoint(NO_KEY)
        answer = send(
            target, delivery.action, delivery.alias, delivery.payload, deadline=send_deadline()
        )
    except UnknownEndpoint as problem:
        answer = Answer(None, str(problem))
        refusal = local_refusal(str(problem))
    else:
        other_region = None
        if answer.status == 401:
            other_region = probe_other_region(target, deadline=send_deadline())
        refusal = refusal_for(channel.kind, answer, other_region=other_region)
    answered = now + timedelta(milliseconds=answer.duration_ms)
    delivery = _record(delivery_id, token, step, now, answered, answer, refusal)
    logger.info(
        "notification delivery %s (%s) %s: %s → %s",
        delivery.pk,
        channel.name,
        step.label(),
        answer.status or "no answer",
        delivery.status,
    )
    if not answer.ok:
        check_channel_health(channel.pk, now=answered)
        delivery.refresh_from_db()
    return delivery


def _record(
    delivery_id: int,
    token: str,
    step: Step,
    at: datetime,
    answered: datetime,
    answer: Answer,
    refusal: Refusal | None,
) -> Delivery:
    with transaction.atomic():
        row = Delivery.objects.select_for_update().get(pk=delivery_id)
        if row.claim_token != token:
            # Our claim expired and another worker took the delivery over: its outcome counts,
            # ours is only logged.
            _log_attempt(row, step, at, answer)
            return row
        row.claimed_until = None
        row.claim_token = ""
        if answer.ok:
            clear_channel_error(row.channel_id)
        elif row.status not in OPEN_STATUSES:
            pass  # cancelled meanwhile (the channel was disabled): it stays so
        elif refusal is not None:
            row.status = DeliveryStatus.STOPPED
            row.failed_at = row.failed_at or answered
            row.next_attempt_at = None
            record_channel_error(
                row.channel_id, error=refusal.error, action=refusal.action, at=answered
            )
        else:
            _schedule_retry(row, step, answered, answer)
        record_answer(row, step=step, at=at, answered=answered, answer=answer)
    return row


def record_answer(
    row: Delivery, *, step: Step, at: datetime, answered: datetime, answer: Answer
) -> None:
    """Save ``row`` with the answer to its attempt ``step`` made at ``at`` (counted, and
    delivered when accepted), and log the attempt. What a refusal or a failure means for the
    row (stopped, retried) is the caller's: a sent delivery retries, a test delivery does not
    (notifications.trial)."""
    row.attempt_count += 1
    row.last_status_code = answer.status
    row.last_answer = answer.text
    if answer.ok:
        row.status = DeliveryStatus.DELIVERED
        row.delivered_at = answered
        row.request_id = answer.request_id
        row.next_attempt_at = None
    row.save()
    _log_attempt(row, step, at, answer)


def _log_attempt(row: Delivery, step: Step, at: datetime, answer: Answer) -> None:
    Attempt.objects.create(
        delivery=row,
        at=at,
        cycle=step.cycle,
        step=step.step,
        status_code=answer.status,
        answer=answer.text,
        duration_ms=answer.duration_ms,
        ok=answer.ok,
    )


def _schedule_retry(row: Delivery, failed: Step, answered: datetime, answer: Answer) -> None:
    if ends_first_cycle(failed) and row.failed_at is None:
        row.failed_at = answered
    following = next_step(failed)
    if following is None:
        row.status = DeliveryStatus.FAILED
        row.next_attempt_at = None
        return
    wait = delay_before(following)
    if answer.retry_after is not None:
        wait = max(wait, timedelta(seconds=answer.retry_after))
    row.status = DeliveryStatus.RETRYING
    row.cycle, row.step = following.cycle, following.step
    row.next_attempt_at = answered + wait
