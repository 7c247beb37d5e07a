"""No delivery is lost: whatever is due and not being sent is queued again, by the dispatcher
command (twice a second) and by a schedule every minute."""

from __future__ import annotations

import os
import signal
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from notifications.delivery import attempt, claim, lease
from notifications.management.commands.notifications_dispatch import Command
from notifications.models import DeliveryStatus
from notifications.queue import QUEUED_FOR, dispatch_due
from notifications.tasks import SWEEP_SCHEDULE, SWEEP_TASK, ensure_dispatch_schedule

from .conftest import US, make_channel
from .support import delivery_for, failing

pytestmark = pytest.mark.django_db


def test_a_send_task_that_never_ran_is_queued_again(clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    delivery = delivery_for(channel, failing(), clock.now)  # its on-commit task is lost
    assert dispatch_due(now=clock.now) == 0  # it is trusted to run for a while
    assert dispatch_due(now=clock.advance(seconds=QUEUED_FOR)) == 1
    assert queued == [delivery.pk]
    assert dispatch_due(now=clock.advance(seconds=1)) == 0  # queued once, not every tick


def test_a_worker_that_died_mid_send_leaves_a_delivery_sent_after_its_claim(  # type: ignore[no-untyped-def]
    upstream, clock, queued
) -> None:
    upstream.post(f"{US}/v2/alerts", json={"requestId": "r"}, status=202)
    channel = make_channel()
    delivery = delivery_for(channel, failing(), clock.now)
    claim(delivery.pk, now=clock.advance(seconds=1))  # the task ran, then its worker died
    assert dispatch_due(now=clock.advance(seconds=QUEUED_FOR)) == 0
    expired = clock.now + lease()
    assert dispatch_due(now=expired) == 1
    assert attempt(queued[-1], now=expired).status == DeliveryStatus.DELIVERED
    assert len(upstream.calls) == 1


def test_a_retry_is_queued_when_it_comes_due(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    upstream.post(f"{US}/v2/alerts", status=502)
    channel = make_channel()
    delivery = attempt(delivery_for(channel, failing(), clock.now).pk, now=clock.now)
    assert dispatch_due(now=delivery.next_attempt_at - timedelta(milliseconds=1)) == 0
    assert dispatch_due(now=delivery.next_attempt_at) == 1


def test_the_command_once_sweeps_and_exits(queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    old = timezone.now() - timedelta(minutes=5)  # created five minutes ago, its task lost
    delivery = delivery_for(channel, failing(), old)
    out = StringIO()
    call_command("notifications_dispatch", "--once", stdout=out)
    assert out.getvalue().strip() == "queued 1" and queued == [delivery.pk]


# Each tick closes stale connections, as a long-running command should: outside a test's
# transaction.
@pytest.mark.django_db(transaction=True)
def test_the_command_loops_until_sigterm(monkeypatch, queued) -> None:  # type: ignore[no-untyped-def]
    ticks: list[float] = []

    def sleep(seconds: float) -> None:
        ticks.append(seconds)
        if len(ticks) == 3:
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(Command, "sleep", staticmethod(sleep))
    before = signal.getsignal(signal.SIGTERM)
    out = StringIO()
    call_command("notifications_dispatch", stdout=out)
    assert ticks == [0.5, 0.5, 0.5]
    assert out.getvalue().splitlines()[-1] == "notifications dispatcher: stopped"
    assert signal.getsignal(signal.SIGTERM) == before


def test_the_minute_sweep_is_scheduled_once() -> None:
    ensure_dispatch_schedule()
    ensure_dispatch_schedule()
    schedule = Schedule.objects.get(name=SWEEP_SCHEDULE)
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        SWEEP_TASK,
        Schedule.MINUTES,
        1,
    )
