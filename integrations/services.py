"""Writes to connections. Views and commands call these; nothing else changes a Connection."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from integrations import tasks
from integrations.events import emit_connected, emit_disconnected, emit_recovered
from integrations.models import Connection, ConnectionStatus, ErrorAction, validate_sync_interval
from integrations.providers.base import Revocation
from integrations.providers.registry import providers
from integrations.redaction import redact_for
from integrations.sync.liveness import sync_stop_running

logger = logging.getLogger(__name__)

# Sent on commit after the admin changed which services count (connection=...).
connection_services_changed = Signal()
# Sent after an integration is disconnected: what the checks count from it changes at once.
connection_disconnected = Signal()
# Sent inside the transaction that disconnects a connection (connection=...), and inside the
# one that connects a disconnected connection again: what depends on its incidents counting
# (a move's matches, incidents/moves.py) changes with it, or not at all.
connection_disconnecting = Signal()
connection_reconnecting = Signal()


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
    auth_method: str = "api_key",
    account_name: str = "",
    account_id: str = "",
    start_sync: bool = True,
) -> Connection:
    """Store credentials that the upstream has just accepted, as a Connected connection.

    Called only after a successful validation: nothing else creates a Connected integration.
    Reconnecting a disconnected provider reuses its row, so its synced evidence stays attached.
    ``start_sync=False`` leaves scheduling to a later step (PagerDuty's service selection).
    """
    connection = Connection.objects.select_for_update().filter(provider=provider).first()
    before = "" if connection is None else connection.status
    if connection is None:
        connection = Connection(provider=provider)
    connection.status = ConnectionStatus.CONNECTED
    connection.region = region
    connection.auth_method = auth_method
    connection.account_name = account_name
    if account_id:
        connection.account_id = account_id
    connection.set_credentials(credentials, hint=hint)
    connection.connected_by = user if user is not None and user.is_authenticated else None
    connection.connected_at = timezone.now()
    connection.disconnected_by, connection.disconnected_at = None, None
    connection.last_error = ""
    connection.last_error_action = ErrorAction.NONE
    connection.last_error_at = None
    if start_sync:
        # Providers without a service step are ready to sync as soon as they connect.
        connection.services_confirmed_at = connection.connected_at
    connection.save()
    if before == ConnectionStatus.DISCONNECTED:
        connection_reconnecting.send(sender=Connection, connection=connection)
    if before == ConnectionStatus.ERROR:
        emit_recovered(connection, how="it was given new credentials")
    emit_connected(connection, before=before, by=_actor(user))
    if start_sync:
        transaction.on_commit(lambda: connection_start_syncing(connection))
    return connection


def _actor(user: AbstractBaseUser | None) -> str:
    if user is not None and user.is_authenticated:
        return user.get_username()
    return "the command line"


def connection_start_syncing(connection: Connection) -> None:
    tasks.sync_schedule_update(connection=connection)
    # The first sync starts at once, as a full read (it is also the reconnect's reconciliation).
    tasks.sync_enqueue(connection=connection, trigger="connect", full=True)


@transaction.atomic
def connection_set_services(
    *, connection: Connection, service_ids: list[str], report_email: str
) -> bool:
    """Save which services count and the report address. The first confirmation starts
    syncing; a changed selection reads everything again (newly picked services' history).
    Returns True when a sync was started."""
    first = connection.services_confirmed_at is None
    changed = sorted(service_ids) != sorted(connection.service_ids)
    connection.service_ids = sorted(service_ids)
    connection.report_email = report_email
    if first:
        connection.services_confirmed_at = timezone.now()
    connection.save(
        update_fields=["service_ids", "report_email", "services_confirmed_at", "updated_at"]
    )
    if changed:
        transaction.on_commit(
            lambda: connection_services_changed.send(sender=Connection, connection=connection)
        )
    if first:
        transaction.on_commit(lambda: connection_start_syncing(connection))
    elif changed and connection.is_active:
        transaction.on_commit(
            lambda: tasks.sync_enqueue(connection=connection, trigger="manual", full=True)
        )
    return first or (changed and connection.is_active)


@dataclass(frozen=True)
class Disconnected:
    connection: Connection
    # The upstream confirmed it revoked the credentials (OAuth tokens).
    revoked: bool = False
    # What the admin must still do upstream when the credentials could not be revoked there.
    not_revoked: str = ""


def connection_disconnect(
    *, connection: Connection, user: AbstractBaseUser | None = None
) -> Disconnected:
    """Stop using the connection and erase its credentials; keep the row and everything synced
    from it, and say who stopped it and when.

    Where the provider can revoke the credentials upstream (PagerDuty's OAuth tokens), that is
    done first, outside any transaction (it is an HTTP call). A failed revocation does not stop
    the disconnect: the credentials are erased here all the same, and what the admin must do
    upstream is returned and kept on the connection until it connects again."""
    # A running sync stops first: the revocation below would otherwise fail it with a 401, and
    # its end would write the connection's status over "Disconnected".
    sync_stop_running(connection=connection)
    revocation = _revoke_upstream(connection)
    not_revoked = redact_for(connection, revocation.problem)
    with transaction.atomic():
        _disconnect(connection, user=user, not_revoked=not_revoked)
    tasks.sync_schedule_remove(connection=connection)
    connection_disconnected.send(sender=Connection, connection=connection)
    return Disconnected(connection, revocation.revoked, not_revoked)


def _disconnect(connection: Connection, *, user: AbstractBaseUser | None, not_revoked: str) -> None:
    """Erase and record, and tell the notification channels, in one transaction."""
    before = (
        Connection.objects.select_for_update()
        .filter(pk=connection.pk)
        .values_list("status", flat=True)
        .first()
    )
    connection.status = ConnectionStatus.DISCONNECTED
    connection.erase_credentials()
    connection.disconnected_by = user if user is not None and user.is_authenticated else None
    connection.disconnected_at = timezone.now()
    connection.last_error = not_revoked
    connection.last_error_action = ErrorAction.NONE
    connection.last_error_at = connection.disconnected_at if not_revoked else None
    connection.save(
        update_fields=[
            "status",
            "credentials",
            "credential_hint",
            "disconnected_by",
            "disconnected_at",
            "last_error",
            "last_error_action",
            "last_error_at",
            "updated_at",
        ]
    )
    if before == ConnectionStatus.DISCONNECTED:
        return  # a double submit: nothing new to tell
    connection_disconnecting.send(sender=Connection, connection=connection)
    if before == ConnectionStatus.ERROR:
        # Nothing will sync it again: its error's alert would otherwise stay open for good.
        emit_recovered(connection, how="it was disconnected")
    emit_disconnected(connection, by=_actor(user), not_revoked=not_revoked)


def _revoke_upstream(connection: Connection) -> Revocation:
    provider = providers().get(connection.provider)
    if provider is None or provider.revoke_credentials is None:
        return Revocation()
    try:
        return provider.revoke_credentials(connection)
    except Exception:
        # Whatever went wrong, the admin asked to disconnect: the erasure must still happen.
        logger.exception("revoking the credentials of connection %s failed", connection.pk)
        return Revocation(
            problem=f"{provider.name} could not be asked to revoke this connection's "
            f"authorization. It was erased here; remove the app's authorization in "
            f"{provider.name} as well."
        )


def connection_set_sync_interval(*, connection: Connection, minutes: int) -> Connection:
    validate_sync_interval(minutes)
    connection.sync_interval_minutes = minutes
    connection.save(update_fields=["sync_interval_minutes", "updated_at"])
    if connection.is_active:
        tasks.sync_schedule_update(connection=connection)
    return connection


class StreamSwitchRefused(ValueError):
    """The switches were not saved; the message says why."""


def connection_set_streams(
    *, connection: Connection, on: Collection[str], user: AbstractBaseUser | AnonymousUser | None
) -> list[str]:
    """Switch each optional stream of the connection's provider on (named in ``on``) or off,
    saying who switched one off and when. A stream that is not optional (incidents decide a
    run) is never switched off. Returns the names whose switch changed."""
    provider = providers().get(connection.provider)
    optional = [stream.name for stream in provider.optional_streams] if provider else []
    unknown = set(on) - set(optional)
    if unknown:
        raise StreamSwitchRefused(
            f"Not a stream that can be switched: {', '.join(sorted(unknown))}"
        )
    off = sorted(name for name in optional if name not in on)
    changed = sorted(set(off) ^ set(connection.streams_off))
    if not changed:
        return []
    since = {name: when for name, when in connection.streams_off_since.items() if name in off}
    moment = timezone.now().isoformat()
    for name in off:
        since.setdefault(name, {"at": moment, "by": _username(user)})
    connection.streams_off, connection.streams_off_since = off, since
    connection.save(update_fields=["streams_off", "streams_off_since", "updated_at"])
    return changed


def _username(user: AbstractBaseUser | AnonymousUser | None) -> str:
    return user.get_username() if user is not None and user.is_authenticated else ""
