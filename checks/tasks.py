"""Periodic evaluation: time-based rules (SLAs) and special-case expiry change results even when
no data does."""

from __future__ import annotations

from django_q.models import Schedule

from checks.engine import evaluate

TASK = "checks.tasks.evaluate_all_task"
SCHEDULE_NAME = "checks:evaluate-all"


def evaluate_all_task() -> str:
    states = evaluate(reason="periodic evaluation")
    return ", ".join(f"{s.key}={s.status}" for s in states)


def ensure_periodic_evaluation(**kwargs: object) -> None:
    """post_migrate handler: an hourly evaluation of every check, created once."""
    Schedule.objects.get_or_create(
        name=SCHEDULE_NAME,
        defaults={"func": TASK, "schedule_type": Schedule.HOURLY, "repeats": -1},
    )
