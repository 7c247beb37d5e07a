"""Whether a running sync is alive: the heartbeat it writes, and what is done with a dead one.

A running run writes ``heartbeat_at`` with its progress and, between pages, while it waits on an
upstream (``heartbeat_every``). A worker killed mid-run (SIGKILL, a restart, the machine going
down) writes nothing more, and nothing in it can say so: its run stays RUNNING, and the partial
unique index would keep every other sync of the connection out. So a run silent for longer than
``SYNC_STALE_AFTER_SECONDS`` is taken as dead: whoever next looks (the connection's sync card,
Sync now, the next scheduled or command-line sync, the dashboard) marks it interrupted, ended at
its last heartbeat, and the connection is free. What it stored is kept: each page was committed.

This works on every database; no lock held by the dead worker's session is needed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from integrations.models import STOPPED_BY_DISCONNECT, Connection, SyncOutcome, SyncRun

INTERRUPTED_ERROR = (
    "The sync stopped unexpectedly: the worker running it stopped answering (killed or "
    "restarted). What it stored is kept."
)


def stale_after() -> timedelta:
    return timedelta(seconds=settings.SYNC_STALE_AFTER_SECONDS)


def heartbeat_every() -> float:
    """Seconds between heartbeats of a live run: six chances to beat before it counts as dead,
    so a slow database write or a busy machine does not get a live run declared dead."""
    return settings.SYNC_STALE_AFTER_SECONDS / 6


def stale_before(*, now: datetime | None = None) -> datetime:
    """A running run whose last heartbeat is older than this is dead."""
    return (now or timezone.now()) - stale_after()


def sync_interrupt_stale(*, connection: Connection | None = None) -> int:
    """Mark the dead runs (of ``connection``, or of every connection) interrupted, ended at their
    last heartbeat; returns how many. The claim of a new run can then go through."""
    dead = SyncRun.objects.filter(outcome=SyncOutcome.RUNNING, heartbeat_at__lt=stale_before())
    if connection is not None:
        dead = dead.filter(connection=connection)
    # Read first: pages call this on every look, and nearly always nothing is dead. A read
    # takes no write lock (SQLite has one for the whole file, which a sync is busy using).
    if not dead.exists():
        return 0
    # The heartbeat condition is in the UPDATE itself: a run that beat meanwhile is left alone.
    return dead.update(
        outcome=SyncOutcome.INTERRUPTED, finished_at=F("heartbeat_at"), error=INTERRUPTED_ERROR
    )


def sync_stop_running(*, connection: Connection) -> int:
    """Stop the connection's running sync, if any, because it was disconnected: its row says so
    at once, and the worker running it stops at its next write or heartbeat (RunInterrupted),
    without touching the connection. What it stored is kept; returns how many runs stopped."""
    return SyncRun.objects.filter(connection=connection, outcome=SyncOutcome.RUNNING).update(
        outcome=SyncOutcome.INTERRUPTED, finished_at=timezone.now(), error=STOPPED_BY_DISCONNECT
    )


class RunInterrupted(Exception):
    """This run was marked interrupted while it still ran (it was silent too long: the machine
    slept, a write waited on a lock; or its connection was disconnected): it stops, since
    another run may hold its connection now, or its credentials are gone."""
