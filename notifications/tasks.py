"""django-q2 entry points: send one delivery; sweep for due ones (every minute, the fallback
of the dispatcher command)."""

from __future__ import annotations

from django_q.models import Schedule

from notifications.delivery import attempt
from notifications.queue import dispatch_due

SWEEP_TASK = "notifications.tasks.dispatch_due_task"
SWEEP_SCHEDULE = "notifications:dispatch-due"


def send_delivery_task(delivery_id: int) -> str:
    delivery = attempt(delivery_id)
    if delivery is None:
        return "skipped: not due, claimed by another worker, or finished"
    return f"{delivery.status}: HTTP {delivery.last_status_code or '-'}"


def dispatch_due_task() -> str:
    return f"queued {dispatch_due()}"


def ensure_dispatch_schedule(**kwargs: object) -> None:
    """post_migrate handler: the sweep every minute, created once. It only queues what is due,
    so it is harmless beside the dispatcher, and keeps retries going without it."""
    Schedule.objects.get_or_create(
        name=SWEEP_SCHEDULE,
        defaults={
            "func": SWEEP_TASK,
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
