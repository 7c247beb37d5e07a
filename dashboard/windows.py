"""The days each incident chart reads, from the time it is drawn: the snapshot covers them all
(services.py), the page adds them up (selectors.py). Days are local days of the configured time
zone, so week boundaries fall on Monday 00:00 there, whatever the daylight-saving time."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

WEEKS = 12
MTTR_DAYS = 90


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def day_start(day: date) -> datetime:
    """00:00 of ``day`` in the current time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


def mondays(now: datetime, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last ``weeks`` weeks, the one ``now`` is in last."""
    today = local_day(now)
    this_monday = today - timedelta(days=today.weekday())
    return [this_monday - timedelta(weeks=weeks - 1 - n) for n in range(weeks)]


def mttr_first_day(now: datetime, days: int = MTTR_DAYS) -> date:
    """The first of the last ``days`` days, today included."""
    return local_day(now) - timedelta(days=days - 1)


def first_day(now: datetime) -> date:
    """The oldest day any chart drawn at ``now`` (or later) reads."""
    return min(mondays(now)[0], mttr_first_day(now))
