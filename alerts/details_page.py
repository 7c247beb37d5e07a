"""What the Data library shows of alerts' logs, notes and recipients: one alert's (a fixed
number of queries, however many it has), and how many alerts still wait for theirs."""

from __future__ import annotations

from alerts.detail_store import AlertDetailsStore
from alerts.models import Alert, AlertLog, AlertNote, AlertRecipient
from alerts.selectors import DETAILS_STREAM, alert_providers, details_providers
from integrations.models import SyncRun
from integrations.moves import moved_before_read, reading_after_move
from integrations.sync.details import Backlog, backlog


def details_backlog(*, connection_id: int | None = None) -> Backlog:
    """The alerts waiting for their details (of one connection, or all) and the last bound."""
    alerts = Alert.objects.filter(details_wanted_at__isnull=False, deleted_upstream=False)
    runs = SyncRun.objects.filter(connection__provider__in=alert_providers())
    if connection_id is not None:
        alerts = alerts.filter(connection_id=connection_id)
        runs = runs.filter(connection_id=connection_id)
    return backlog(alerts, runs, DETAILS_STREAM, marker=AlertDetailsStore.marker)


def alert_details(alert: Alert) -> dict[str, object]:
    """The detail page's logs (newest first), notes (newest first) and recipients, and, while
    they are not read (or changed since), how many alerts wait before the next read."""
    read = alert.details_read_at is not None
    # A moved connection's syncs read them only while it still answers.
    moved = alert.connection.has_moved and not alert.connection.reads_details_only
    waiting = alert.details_wanted_at is not None and not alert.deleted_upstream and not moved
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
        # False where the provider reads no alert's logs, notes and recipients (JSM Operations).
        "details_synced": alert.provider in details_providers(),
        "details_waiting": waiting,
        "details_moved": moved_before_read(alert.connection) if moved and not read else "",
        "backlog": details_backlog(connection_id=alert.connection_id) if waiting else None,
        "details_after_move": reading_after_move(alert.connection) if waiting else "",
    }
