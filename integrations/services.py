"""Writes to connections. Views and commands call these; nothing else changes a Connection."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from integrations.models import Connection, ConnectionStatus, ErrorAction

# Sent after a connection becomes Connected (wizard, edit or command), on commit. Domain apps
# (sync, checks) listen to it; the integrations layer never imports them.
connection_connected = Signal()


def credential_hint(secret: str) -> str:
    return secret[-4:]


@transaction.atomic
def connection_save_validated(
    *,
    provider: str,
    region: str,
    credentials: dict[str, Any],
    hint: str,
    user: AbstractBaseUser | None,
) -> Connection:
    """Store credentials that the upstream has just accepted, as a Connected connection.

    Called only after a successful validation: nothing else creates a Connected integration.
    Reconnecting a disconnected provider reuses its row, so its synced evidence stays attached.
    """
    connection = Connection.objects.select_for_update().filter(provider=provider).first()
    if connection is None:
        connection = Connection(provider=provider)
    connection.status = ConnectionStatus.CONNECTED
    connection.region = region
    connection.set_credentials(credentials, hint=hint)
    connection.connected_by = user if user is not None and user.is_authenticated else None
    connection.connected_at = timezone.now()
    connection.last_error = ""
    connection.last_error_action = ErrorAction.NONE
    connection.last_error_at = None
    connection.save()
    transaction.on_commit(
        lambda: connection_connected.send(sender=Connection, connection=connection)
    )
    return connection


def connection_disconnect(*, connection: Connection) -> Connection:
    """Stop using the connection; keep the row and everything synced from it."""
    connection.status = ConnectionStatus.DISCONNECTED
    connection.save(update_fields=["status", "updated_at"])
    return connection


def connection_record_error(
    *, connection: Connection, message: str, action: ErrorAction
) -> Connection:
    """A connected integration that fails authentication goes to Error and says what to do."""
    connection.status = ConnectionStatus.ERROR
    connection.last_error = message
    connection.last_error_action = action
    connection.last_error_at = timezone.now()
    connection.save(
        update_fields=["status", "last_error", "last_error_action", "last_error_at", "updated_at"]
    )
    return connection
