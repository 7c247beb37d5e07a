"""django-q2 entry points of the evidence export: build one export; clean up every 15 minutes."""

from __future__ import annotations

from django_q.models import Schedule
from django_q.tasks import async_task

from evidence.build import export_build
from evidence.cleanup import exports_clean_up

BUILD_TASK = "evidence.tasks.build_export_task"
CLEANUP_TASK = "evidence.tasks.clean_up_exports_task"
CLEANUP_SCHEDULE = "evidence:clean-up-exports"
CLEANUP_EVERY_MINUTES = 15


def export_enqueue(export_id: int) -> None:
    async_task(BUILD_TASK, export_id, task_name=f"evidence-export-{export_id}")


def build_export_task(export_id: int) -> str:
    export = export_build(export_id=export_id)
    if export is None:
        return "skipped: not queued (claimed by another worker, or given up on)"
    return f"{export.status}: {export.size or 0} bytes, {export.rows_done} rows"


def clean_up_exports_task() -> str:
    return str(exports_clean_up())


def ensure_cleanup_schedule(**kwargs: object) -> None:
    """post_migrate handler: the cleanup every 15 minutes, created once."""
    Schedule.objects.get_or_create(
        name=CLEANUP_SCHEDULE,
        defaults={
            "func": CLEANUP_TASK,
            "schedule_type": Schedule.MINUTES,
            "minutes": CLEANUP_EVERY_MINUTES,
            "repeats": -1,
        },
    )
