"""Fetch → Transform → Store → Evaluate, once for every provider (PRODUCT 3.4).

The provider's source yields pages of plain records; the stream's registered store writes each
page in its own short transaction (never across an HTTP call); the SyncRun row is updated after
every page, which is both the progress display and the heartbeat.

A source may also offer ``services()`` (pages of ServiceRecord): they are read first, on every
sync, and stored as the connection's ProviderService rows. Credentials that may not read
services (403) skip that stream; the incidents still sync.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from integrations.connections import connection_clear_error, connection_record_error
from integrations.http import CallStats, ErrorKind, UpstreamError
from integrations.models import (
    Connection,
    ConnectionStatus,
    ErrorAction,
    SyncKind,
    SyncOutcome,
    SyncRun,
    SyncTrigger,
)
from integrations.sync.prefetch import prefetched
from integrations.sync.services_store import store_service_listing
from integrations.sync.stores import EVALUATORS, STORES, RecordStore, StreamCounts

logger = logging.getLogger(__name__)

# provider slug → module with open_source(connection, stats=, sleep=) and
# describe_error(error, connection=)
SOURCES = {
    "opsgenie": "integrations.providers.opsgenie.source",
    "pagerduty": "integrations.providers.pagerduty.source",
}
# A RUNNING run whose heartbeat is older than this lost its worker; it no longer blocks syncs.
STALE_AFTER = timedelta(minutes=15)
PROGRESS_EVERY_SECONDS = 0.5
PERMANENT_ACTIONS = {
    ErrorAction.REENTER_KEY,
    ErrorAction.RECONNECT,
    ErrorAction.FIX_PERMISSIONS,
    ErrorAction.UPGRADE_PLAN,
    ErrorAction.SELECT_REGION,
}

Progress = Callable[[SyncRun], None]


class Tracker:
    """Counts of one run per stream, in the order the streams were read, saved to its row after
    every page: ``run.counts == {"services": {...}, "incidents": {...}}``."""

    def __init__(self, run: SyncRun, stats: CallStats, on_progress: Progress | None):
        self.run, self.stats, self.on_progress = run, stats, on_progress
        self.streams: dict[str, StreamCounts] = {}
        self._saved_at = 0.0

    def counts(self, stream: str) -> StreamCounts:
        return self.streams.setdefault(stream, StreamCounts())

    @property
    def written(self) -> int:
        return sum(counts.written for counts in self.streams.values())

    def add(self, stream: str, counts: StreamCounts) -> None:
        self.counts(stream).add(counts)
        # The page polls every 2 s: writing the row after each of hundreds of pages only slows
        # the sync. A callback (the command's progress line, tests) still sees every page.
        if self.on_progress or time.monotonic() - self._saved_at >= PROGRESS_EVERY_SECONDS:
            self.save()

    def save(self, **extra: Any) -> None:
        run = self.run
        run.counts = {name: counts.as_dict() for name, counts in self.streams.items()}
        run.http_calls, run.retries = self.stats.calls, self.stats.retries
        run.heartbeat_at = timezone.now()
        for name, value in extra.items():
            setattr(run, name, value)
        fields = ["counts", "http_calls", "retries", "heartbeat_at", *extra]
        run.save(update_fields=fields)
        self._saved_at = time.monotonic()
        if self.on_progress:
            self.on_progress(run)


def sync_connection(
    *,
    connection_id: int,
    trigger: str,
    full: bool = False,
    sleep: Callable[[float], None] | None = None,
    on_progress: Progress | None = None,
) -> SyncRun | None:
    """Run one sync now, in this process. None when there is nothing to do or one is running."""
    connection = Connection.objects.get(pk=connection_id)
    if connection.status == ConnectionStatus.DISCONNECTED:
        return None
    if connection.services_confirmed_at is None:
        # The admin has not yet chosen which services count (PagerDuty's last wizard step).
        return None
    if (
        trigger == SyncTrigger.SCHEDULE
        and connection.status == ConnectionStatus.ERROR
        and connection.last_error_action in PERMANENT_ACTIONS
    ):
        # A rejected key stays rejected: wait for the admin instead of retrying 401/403 forever.
        return None
    store = STORES["incidents"]
    if full or store.newest_created_at(connection=connection) is None:
        kind = SyncKind.FULL
    else:
        kind = SyncKind.INCREMENTAL
    run = _claim(connection, trigger=trigger, kind=kind)
    if run is None:
        return None
    stats = CallStats()
    tracker = Tracker(run, stats, on_progress)
    module = import_module(SOURCES[connection.provider])
    source = None
    try:
        source = module.open_source(connection, stats=stats, sleep=sleep)
        if hasattr(source, "services"):
            _services(source, connection, tracker)
        if kind == SyncKind.FULL:
            _reconcile(source, store, connection, tracker)
        else:
            _incremental(source, store, connection, tracker)
    except UpstreamError as error:
        message, action = module.describe_error(error, connection=connection)
        tracker.save(outcome=SyncOutcome.FAILED, finished_at=timezone.now(), error=message)
        if error.permanent:
            connection_record_error(connection=connection, message=message, action=action)
        return run
    except Exception:
        logger.exception("sync of connection %s failed", connection.pk)
        tracker.save(
            outcome=SyncOutcome.FAILED,
            finished_at=timezone.now(),
            error="Internal error while syncing; the worker's log has the details.",
        )
        return run
    finally:
        if source is not None:
            source.client.close()  # the worker is long-lived: do not leak its connections
    tracker.save(outcome=SyncOutcome.SUCCEEDED, finished_at=timezone.now())
    if connection.status == ConnectionStatus.ERROR:
        connection_clear_error(connection=connection)
    # A full read also (re)activates checks after connecting, even when it wrote nothing.
    if tracker.written or kind == SyncKind.FULL:
        for evaluate in EVALUATORS:
            evaluate(connection=connection, streams=dict(tracker.streams))
    return run


def _services(source: Any, connection: Connection, tracker: Tracker) -> None:
    """Every service, first: few pages, read whole on every sync (a full and an incremental
    sync alike), so the service-selection page and deleted-upstream flags stay current."""
    tracker.counts("services")
    try:
        store_service_listing(
            connection=connection,
            pages=source.services(),
            on_counts=lambda counts: tracker.add("services", counts),
        )
    except UpstreamError as error:
        if error.kind != ErrorKind.FORBIDDEN:
            raise
        # A key or token without services.read still reads incidents; the rows stay as they were,
        # and the run's history says why no services were read.
        logger.info("connection %s may not read services; skipped", connection.pk)
        tracker.counts("services").skipped = "the credentials may not read services"
        tracker.save()


def _claim(connection: Connection, *, trigger: str, kind: str) -> SyncRun | None:
    now = timezone.now()
    try:
        SyncRun.objects.filter(
            connection=connection, outcome=SyncOutcome.RUNNING, heartbeat_at__lt=now - STALE_AFTER
        ).update(
            outcome=SyncOutcome.FAILED,
            finished_at=now,
            error="Abandoned: the worker running it stopped answering.",
        )
        # The partial unique index lets exactly one of two simultaneous claims through.
        with transaction.atomic():
            return SyncRun.objects.create(
                connection=connection, trigger=trigger, kind=kind, started_at=now, heartbeat_at=now
            )
    except IntegrityError:
        logger.info("connection %s is already syncing; skipped", connection.pk)
        return None
    except OperationalError as exc:
        # SQLite answers a claim racing another writer with "locked" rather than waiting for
        # the unique index: another worker is claiming, so this one stands down too.
        if "locked" not in str(exc):
            raise
        logger.info("connection %s is being claimed by another worker; skipped", connection.pk)
        return None


def _save_pages(
    pages: Iterator[list[Any]], store: RecordStore, connection: Connection, tracker: Tracker
) -> Iterable[list[Any]]:
    for page in prefetched(pages):
        tracker.add("incidents", store.save(connection=connection, records=page))
        yield page


def _incremental(source: Any, store: RecordStore, connection: Connection, tracker: Tracker) -> None:
    """What is new since the newest stored incident, what is open upstream, and what we still
    hold as open but upstream no longer lists as open (it was resolved or closed)."""
    newest = store.newest_created_at(connection=connection)
    unfinished = store.unfinished_ids(connection=connection)
    seen: set[str] = set()
    for pages in (source.created_since(newest), source.still_open()):
        for page in _save_pages(pages, store, connection, tracker):
            seen.update(record.upstream_id for record in page)
    left_open = [upstream_id for upstream_id in unfinished if upstream_id not in seen]
    # Nearly all were resolved since; a source may know a cheaper read for them than by id.
    recheck = getattr(source, "no_longer_open", source.by_ids)
    for _page in _save_pages(recheck(left_open), store, connection, tracker):
        pass
    # An incident missing from all of these may be deleted; only a full scan may say so.


def _reconcile(source: Any, store: RecordStore, connection: Connection, tracker: Tracker) -> None:
    """Read every incident oldest first; then confirm, one batch query per 50, the stored ones
    the scan did not return, and flag as deleted only those upstream no longer has.

    Memory stays flat: candidates are found page by page by comparing the page with the stored
    rows created in the same time span, never by holding every id.
    """
    candidates: list[str] = []
    previous_end: datetime | None = None
    previous_ids: set[str] = set()
    for page in _save_pages(source.scan_all(), store, connection, tracker):
        if not page:
            continue
        ids = {record.upstream_id for record in page}
        end = page[-1].created_at
        stored = store.ids_created_between(connection=connection, after=previous_end, until=end)
        candidates.extend(i for i in stored if i not in ids and i not in previous_ids)
        previous_end, previous_ids = end, ids
    stored = store.ids_created_between(connection=connection, after=previous_end, until=None)
    candidates.extend(i for i in stored if i not in previous_ids)
    # The scan finished: only now may anything be called deleted.
    unique = list(dict.fromkeys(candidates))
    found: set[str] = set()
    for page in _save_pages(source.by_ids(unique), store, connection, tracker):
        found.update(record.upstream_id for record in page)
    missing = [upstream_id for upstream_id in unique if upstream_id not in found]
    if missing:
        deleted = store.mark_deleted(connection=connection, upstream_ids=missing)
        tracker.add("incidents", StreamCounts(deleted=deleted))
