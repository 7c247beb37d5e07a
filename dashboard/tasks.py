"""django-q2 entry point: the fallback refresh of the dashboard's figures (services.py)."""

from __future__ import annotations

from django_q.models import Schedule

from dashboard.services import REFRESH_MINUTES, snapshot_refresh

TASK = "dashboard.tasks.refresh_task"
SCHEDULE_NAME = "dashboard:refresh"


def refresh_task() -> str:
    return f"figures as of {snapshot_refresh().computed_at.isoformat()}"


def ensure_refresh_schedule(**kwargs: object) -> None:
    """post_migrate handler: a refresh every REFRESH_MINUTES, kept at that interval."""
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": TASK,
            "schedule_type": Schedule.MINUTES,
            "minutes": REFRESH_MINUTES,
            "repeats": -1,
        },
    )
