"""Test integration: one alert per chosen event group, its message starting "[Test message]",
and the answer in words (issue 13, "must be able to do" 2).

From a form (before saving) nothing is logged: the answers are shown. From a saved channel each
test alert is a delivery of its log, marked as a test, sent once (never retried: the person is
waiting for the answer) and left out of the failure ratio that disables a channel.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.urls import reverse
from django.utils import timezone

from integrations.http import SharedDeadline
from lib.events import Event, EventGroup, EventType
from notifications.delivery import record_answer
from notifications.models import Channel, ChannelKind, Delivery, DeliveryStatus, Endpoint
from notifications.payloads import build_payload
from notifications.refusals import refusal_for, upstream_message
from notifications.retry import FIRST_SEND
from notifications.transport import Answer, Target, probe_other_region, request_status, send

TEST_PREFIX = "[Test message]"
# OpsGenie processes a created alert asynchronously: its request status is asked for this many
# times, this far apart, within the page's deadline.
STATUS_POLLS = 3
STATUS_POLL_SECONDS = 0.5
sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Trial:
    group_label: str
    ok: bool
    headline: str
    detail: str = ""
    action: str = ""


def any_refused(trials: list[Trial]) -> bool:
    """Whether a test alert was not accepted: the page announces the answers as an alert, the
    command fails."""
    return not all(trial.ok for trial in trials)


def target_of(channel: Channel) -> Target:
    return Target.of(channel)


def chosen_groups(channel: Channel) -> list[EventGroup]:
    chosen = {EventType(v) for v in channel.event_types if v in EventType._value2member_map_}
    return [group for group in EventGroup if any(t.group is group for t in chosen)]


def trial_event(channel: Channel, group: EventGroup) -> Event:
    first = next(t for t in EventType if t.group is group and t.value in channel.event_types)
    name = channel.name or "this channel"
    return Event(
        type=first,
        # Unique per test, so a test never merges into an earlier one upstream.
        alias=f"evidencehub-test:{uuid.uuid4().hex[:12]}",
        message=f"{TEST_PREFIX} EvidenceHub: {group.label} alerts reach this team",
        description=(
            f"A test alert from the EvidenceHub notification channel “{name}”, for the "
            f"{group.label} events it sends. Nothing needs doing: close it."
        ),
        entity="EvidenceHub",
        links=(("Notification channels", reverse("notifications:channels")),),
        tags=("test",),
    )


def run_trial(
    channel: Channel, *, by: AbstractBaseUser | AnonymousUser | None, record: bool
) -> list[Trial]:
    """Send the test alerts with ``channel``'s settings (saved or only typed) and say how each
    was answered. ``record`` logs each as a test delivery of the (saved) channel."""
    target = target_of(channel)
    deadline = SharedDeadline(settings.UPSTREAM_INTERACTIVE_DEADLINE_SECONDS)
    trials = []
    for group in chosen_groups(channel):
        event = trial_event(channel, group)
        payload = build_payload(event, channel)
        started = timezone.now()
        answer = send(target, event.action, event.alias, payload, deadline=deadline.remaining())
        processed = ""
        if answer.ok and channel.kind == ChannelKind.OPSGENIE and answer.request_id:
            processed = _processed(target, answer.request_id, deadline)
        trial = _judge(group, channel, answer, processed, deadline)
        trials.append(trial)
        if record and channel.pk:
            _log(channel, event, payload, answer, processed, started)
    return trials


def _processed(target: Target, request_id: str, deadline: SharedDeadline) -> str:
    """OpsGenie's word on the request ("Created alert", or why not), or "" if it had not
    processed it within the polls."""
    for poll in range(STATUS_POLLS):
        if poll:
            sleep(STATUS_POLL_SECONDS)
        answer = request_status(target, request_id, deadline=deadline.remaining())
        if answer.ok:
            return answer.text
        if answer.status not in (None, 404):
            return ""
    return ""


def _judge(
    group: EventGroup, channel: Channel, answer: Answer, processed: str, deadline: SharedDeadline
) -> Trial:
    label, service = group.label, _service(channel)
    if answer.ok:
        headline = f"Accepted by {service} (HTTP {answer.status})"
        if processed:
            headline += f"; OpsGenie processed the request: {processed}"
        elif channel.kind == ChannelKind.OPSGENIE:
            headline += "; OpsGenie had not processed the request yet when we asked"
        failed = "not successful" in processed or "does not exist" in processed
        return Trial(label, not failed, headline + ".")
    if answer.status is None:
        return Trial(
            label,
            False,
            f"{service} did not answer",
            answer.text,
            "Try again in a moment; a real delivery would be retried on the cycles.",
        )
    headline = f"Refused by {service} (HTTP {answer.status})"
    other = None
    if answer.status == 401:
        other = probe_other_region(target_of(channel), deadline=deadline.remaining())
    refusal = refusal_for(channel.kind, answer, other_region=other)
    if refusal is None:  # 429, 5xx: a real delivery retries these
        action = "Try again in a moment; a real delivery would be retried on the cycles."
    else:
        action = refusal.action
    return Trial(label, False, headline, upstream_message(answer), action)


def _service(channel: Channel) -> str:
    if channel.kind == ChannelKind.PAGERDUTY:
        return "PagerDuty"
    return "Jira Service Management" if channel.endpoint == Endpoint.JSM else "OpsGenie"


def _log(
    channel: Channel,
    event: Event,
    payload: dict[str, Any],
    answer: Answer,
    processed: str,
    started: datetime,
) -> None:
    """The test alert as a delivery of ``channel``, sent once: delivered or refused, never
    retried."""
    row = Delivery(
        channel=channel,
        event_type=event.type.value,
        action=event.action.value,
        alias=event.alias,
        message=event.message[:300],
        is_test=True,
        payload=payload,
        status=DeliveryStatus.STOPPED,
        created_at=started,
        upstream_status=processed[:500],
    )
    record_answer(row, step=FIRST_SEND, at=started, answered=timezone.now(), answer=answer)
