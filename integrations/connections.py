"""Connection-state writes the sync engine needs.

Kept apart from ``services.py`` (the user-facing writes, which enqueue tasks): the engine
imports this module, the tasks import the engine, and the services import the tasks, so the
arrows only ever point one way.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from integrations.models import Connection, ConnectionStatus, ErrorAction
from integrations.redaction import redact_for


def connection_record_error(
    *, connection: Connection, message: str, action: ErrorAction
) -> Connection:
    """A connected integration that fails authentication goes to Error and says what to do.

    The message is redacted with the connection's own credentials: it carries upstream text,
    and it is shown on the dashboard and the connection page."""
    with transaction.atomic():
        if not _still_connected(connection):
            return connection
        connection.status = ConnectionStatus.ERROR
        connection.last_error = redact_for(connection, message)
        connection.last_error_action = action
        connection.last_error_at = timezone.now()
        connection.save(
            update_fields=[
                "status",
                "last_error",
                "last_error_action",
                "last_error_at",
                "updated_at",
            ]
        )
    return connection


def connection_clear_error(*, connection: Connection) -> Connection:
    """A sync that works again puts an Error connection back to Connected."""
    with transaction.atomic():
        if not _still_connected(connection):
            return connection
        connection.status = ConnectionStatus.CONNECTED
        connection.last_error = ""
        connection.last_error_action = ErrorAction.NONE
        connection.save(update_fields=["status", "last_error", "last_error_action", "updated_at"])
    return connection


def _still_connected(connection: Connection) -> bool:
    """In the caller's transaction: lock the connection's row unless it was disconnected since
    the sync read it (then nothing is written: a sync's end never brings a disconnected
    integration back). The UPDATE is the lock, on SQLite as on PostgreSQL."""
    locked = (
        Connection.objects.filter(pk=connection.pk)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .update(updated_at=timezone.now())
    )
    if not locked:
        connection.refresh_from_db()
    return bool(locked)
