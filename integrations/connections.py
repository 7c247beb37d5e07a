"""Connection-state writes the sync engine needs.

Kept apart from ``services.py`` (the user-facing writes, which enqueue tasks): the engine
imports this module, the tasks import the engine, and the services import the tasks, so the
arrows only ever point one way.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from integrations.events import emit_error, emit_recovered
from integrations.models import Connection, ConnectionStatus, ErrorAction
from integrations.redaction import redact_for


def connection_record_error(
    *, connection: Connection, message: str, action: ErrorAction
) -> Connection:
    """A connected integration that fails authentication goes to Error and says what to do.

    The message is redacted with the connection's own credentials: it carries upstream text,
    and it is shown on the dashboard and the connection page. Going into error is told to the
    notification channels; failing again while in error is not news."""
    with transaction.atomic():
        before = _lock_live(connection)
        if before is None:
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
        if before != ConnectionStatus.ERROR:
            emit_error(connection)
    return connection


def connection_clear_error(*, connection: Connection) -> Connection:
    """A sync that works again puts an Error connection back to Connected (and closes the
    error's alert)."""
    with transaction.atomic():
        before = _lock_live(connection)
        if before is None:
            return connection
        connection.status = ConnectionStatus.CONNECTED
        connection.last_error = ""
        connection.last_error_action = ErrorAction.NONE
        connection.save(update_fields=["status", "last_error", "last_error_action", "updated_at"])
        if before == ConnectionStatus.ERROR:
            emit_recovered(connection, how="a sync succeeded")
    return connection


def _lock_live(connection: Connection) -> str | None:
    """In the caller's transaction: lock the connection's row unless it was disconnected since
    the sync read it (then nothing is written: a sync's end never brings a disconnected
    integration back), and return its stored status; None when disconnected. The UPDATE is the
    lock, on SQLite as on PostgreSQL; the status is read under it, not from the sync's copy
    (another run may have put it in error meanwhile)."""
    rows = Connection.objects.filter(pk=connection.pk)
    locked = rows.exclude(status=ConnectionStatus.DISCONNECTED).update(updated_at=timezone.now())
    if not locked:
        connection.refresh_from_db()
        return None
    return rows.values_list("status", flat=True).get()
