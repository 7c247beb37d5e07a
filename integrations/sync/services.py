"""Writes the sync controls make (the sync engine itself runs in integrations/sync/engine.py)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateformat import format as date_format

from integrations.models import Connection, ConnectionStatus, SyncRun
from integrations.sync.liveness import sync_interrupt_stale
from integrations.sync.selectors import sync_running
from integrations.tasks import sync_enqueue


class SyncRefused(Exception):
    """The sync was not queued; the message says why."""


def sync_request(*, connection: Connection, full: bool) -> None:
    """Queue a manual sync (a full reconciliation when ``full``) for a worker to run.

    A run whose worker died is marked interrupted first, so it does not refuse this one; a live
    run does, saying since when it runs and when it last made progress."""
    if connection.status == ConnectionStatus.DISCONNECTED:
        raise SyncRefused("This integration is disconnected: reconnect it to sync.")
    if connection.services_confirmed_at is None:
        raise SyncRefused("Choose which services count first; syncing starts then.")
    if connection.has_moved:
        if connection.reads_details_only:
            raise SyncRefused(
                "This integration has moved to its successor: it is kept as evidence, and its "
                "scheduled syncs read only the details still waiting from before the move."
            )
        raise SyncRefused(
            "This integration has moved to its successor: it is kept as evidence and syncs no more."
        )
    sync_interrupt_stale(connection=connection)
    running = sync_running(connection=connection)
    if running is not None:
        raise SyncRefused(
            f"{sync_running_text(running)}, so no other was queued. Its progress shows below; "
            "sync again once it has finished."
        )
    sync_enqueue(connection=connection, trigger="manual", full=full)


def sync_running_text(run: SyncRun) -> str:
    """Why another sync cannot start: "A sync is running (started at 14:02:11, last progress
    at 14:05:09)"; the last progress tells a live run from one that is about to time out."""
    return (
        f"A sync is running (started at {_moment(run.started_at)}, "
        f"last progress at {_moment(run.heartbeat_at)})"
    )


def _moment(at: datetime) -> str:
    """ "14:05:09" today, "3 Jun 2026, 14:05:09" another day, in the site's time zone."""
    local = timezone.localtime(at)
    same_day = local.date() == timezone.localdate()
    return date_format(local, "H:i:s" if same_day else "j M Y, H:i:s")
