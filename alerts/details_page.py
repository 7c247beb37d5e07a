"""What the Data library shows of alerts' logs, notes and recipients: one alert's (a fixed
number of queries, however many it has), and how many alerts still wait for theirs."""

from __future__ import annotations

from dataclasses import dataclass

from alerts.models import Alert, AlertLog, AlertNote, AlertRecipient
from alerts.selectors import DETAILS_STREAM, alert_providers
from integrations.models import SyncRun


@dataclass(frozen=True)
class Backlog:
    waiting: int  # alerts whose details a sync has still to read
    per_run: int | None  # the bound the last sync that read details had (None: none did yet)


def details_backlog(*, connection_id: int | None = None) -> Backlog:
    """Two queries: the alerts waiting (of one connection, or all), and the last bound."""
    alerts = Alert.objects.filter(details_wanted_at__isnull=False, deleted_upstream=False)
    runs = SyncRun.objects.filter(
        connection__provider__in=alert_providers(), counts__has_key=DETAILS_STREAM
    )
    if connection_id is not None:
        alerts = alerts.filter(connection_id=connection_id)
        runs = runs.filter(connection_id=connection_id)
    last = runs.order_by("-started_at", "-id").values_list("counts", flat=True).first()
    stream = last.get(DETAILS_STREAM) if isinstance(last, dict) else None
    per_run = stream.get("per_run") if isinstance(stream, dict) else None
    return Backlog(waiting=alerts.count(), per_run=per_run if isinstance(per_run, int) else None)


def alert_details(alert: Alert) -> dict[str, object]:
    """The detail page's logs (newest first), notes (newest first) and recipients, and, while
    they are not read (or changed since), how many alerts wait before the next read."""
    read = alert.details_read_at is not None
    waiting = alert.details_wanted_at is not None and not alert.deleted_upstream
    newest = ("-created_at", "-offset")
    return {
        "logs": list(AlertLog.objects.filter(alert=alert).order_by(*newest)) if read else [],
        "notes": list(AlertNote.objects.filter(alert=alert).order_by(*newest)) if read else [],
        "recipients": (
            list(AlertRecipient.objects.filter(alert=alert).order_by("username", "user_id"))
            if read
            else []
        ),
        "details_read": read,
        "details_waiting": waiting,
        "backlog": details_backlog(connection_id=alert.connection_id) if waiting else None,
    }
