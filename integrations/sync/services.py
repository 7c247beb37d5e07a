"""Writes the sync controls make (the sync engine itself runs in integrations/sync/engine.py)."""

from __future__ import annotations

from integrations.models import Connection, ConnectionStatus
from integrations.tasks import sync_enqueue


class SyncRefused(Exception):
    """The sync was not queued; the message says why."""


def sync_request(*, connection: Connection, full: bool) -> None:
    """Queue a manual sync (a full reconciliation when ``full``) for a worker to run."""
    if connection.status == ConnectionStatus.DISCONNECTED:
        raise SyncRefused("This integration is disconnected: reconnect it to sync.")
    if connection.services_confirmed_at is None:
        raise SyncRefused("Choose which services count first; syncing starts then.")
    sync_enqueue(connection=connection, trigger="manual", full=full)
