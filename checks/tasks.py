"""Periodic evaluation: time-based rules (SLAs) and special-case expiry change results even when
no data does. Hourly, each check judges what changed since its last evaluation; daily, every
item again (a safety net: the result must be the same, and is compared by the tests), after
SQLite's query statistics are refreshed (lib/db_statistics.py)."""

from __future__ import annotations

from django_q.models import Schedule

from checks.engine import evaluate
from lib.db_statistics import refresh_statistics

TASK = "checks.tasks.evaluate_all_task"
SCHEDULE_NAME = "checks:evaluate-all"
FULL_SCHEDULE_NAME = "checks:evaluate-all-full"


def evaluate_all_task(full: bool = False) -> str:
    if full:
        refresh_statistics()
    reason = "daily evaluation of every item" if full else "periodic evaluation"
    states = evaluate(reason=reason, full=full)
    return ", ".join(f"{s.key}={s.status}" for s in states)


def ensure_periodic_evaluation(**kwargs: object) -> None:
    """post_migrate handler: an hourly evaluation of every check and a daily full one, created
    once."""
    Schedule.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": TASK, "schedule_type": Schedule.HOURLY, "repeats": -1},
    )
    Schedule.objects.get_or_create(
        name=FULL_SCHEDULE_NAME,
        defaults={
            "func": TASK,
            "kwargs": repr({"full": True}),
            "schedule_type": Schedule.DAILY,
            "repeats": -1,
        },
    )
