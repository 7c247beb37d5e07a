"""django-q2 entry points. Tasks call services (HackSoft); the schedule lives in the database."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from integrations.models import Connection, SyncTrigger
from integrations.sync.engine import sync_connection

TASK = "integrations.tasks.sync_connection_task"


def sync_connection_task(
    connection_id: int, trigger: str = SyncTrigger.SCHEDULE, full: bool = False
) -> str:
    run = sync_connection(connection_id=connection_id, trigger=trigger, full=full)
    if run is None:
        return "skipped: disconnected, moved, waiting for a new key, or already syncing"
    return f"{run.outcome}: {run.counts}"


def _names(connection: Connection) -> tuple[str, str]:
    return f"sync:connection:{connection.pk}", f"reconcile:connection:{connection.pk}"


def sync_schedule_update(*, connection: Connection) -> None:
    """Scheduled incremental syncs at the connection's frequency, and a daily reconciliation."""
    sync_name, reconcile_name = _names(connection)
    now = timezone.now()
    Schedule.objects.update_or_create(
        name=sync_name,
        defaults={
            "func": TASK,
            "args": repr((connection.pk,)),
            "kwargs": repr({"trigger": str(SyncTrigger.SCHEDULE)}),
            "schedule_type": Schedule.MINUTES,
            "minutes": connection.sync_interval_minutes,
            "repeats": -1,
            "next_run": now + timedelta(minutes=connection.sync_interval_minutes),
        },
    )
    Schedule.objects.get_or_create(
        name=reconcile_name,
        defaults={
            "func": TASK,
            "args": repr((connection.pk,)),
            "kwargs": repr({"trigger": str(SyncTrigger.SCHEDULE), "full": True}),
            "schedule_type": Schedule.DAILY,
            "repeats": -1,
            "next_run": now + timedelta(days=1),
        },
    )


def sync_schedule_remove(*, connection: Connection) -> None:
    Schedule.objects.filter(name__in=_names(connection)).delete()


def sync_enqueue(*, connection: Connection, trigger: str, full: bool = False) -> str:
    return async_task(
        TASK,
        connection.pk,
        trigger=str(trigger),
        full=full,
        task_name=f"{trigger}-sync-{connection.pk}",
    )
