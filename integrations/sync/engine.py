"""Fetch → Transform → Store → Evaluate, once for every provider and every stream (PRODUCT 3.4).

The provider's source declares its streams (``integrations.sync.streams``); the engine runs them
in that order and knows none by name. Each page is written by the stream's registered store in
its own short transaction (never across an HTTP call); the SyncRun row is updated as pages
arrive, which is both the progress display and the heartbeat; while no page comes (a slow answer,
a backoff), the heartbeat goes on alone. A run whose heartbeat stops (its worker was killed) is
marked interrupted by whoever looks next, and frees its connection (``liveness.py``).

A stream that fails after its retries fails alone: it is recorded as failed in the run's counts,
and the other streams go on. The stream that ``decides_status`` (incidents) decides the run: its
failure fails the run, and its 401/403 puts the connection in Error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from functools import partial
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
from integrations.moves import connection_stopped_answering
from integrations.providers.registry import get_provider
from integrations.redaction import redact_for
from integrations.sync.details import details_waiting, read_details
from integrations.sync.liveness import RunInterrupted, heartbeat_every, sync_interrupt_stale
from integrations.sync.page_lookup import SeenIds
from integrations.sync.prefetch import merged
from integrations.sync.snapshot import store_listing
from integrations.sync.stores import (
    EVALUATORS,
    STORES,
    RecordStore,
    StreamCounts,
    stream_wanted,
)
from integrations.sync.streams import (
    ChangesUnreadable,
    Stream,
    StreamKind,
    stream_label,
    stream_noun,
)
from integrations.sync.watermark import previous_watermark

logger = logging.getLogger(__name__)

# A failed full scan younger than this is resumed by the next run rather than started over.
RESUME_WITHIN = timedelta(hours=24)
PROGRESS_EVERY_SECONDS = 0.5
PERMANENT_ACTIONS = {
    ErrorAction.REENTER_KEY,
    ErrorAction.RECONNECT,
    ErrorAction.FIX_PERMISSIONS,
    ErrorAction.UPGRADE_PLAN,
    ErrorAction.SELECT_REGION,
}
# These refuse the credentials themselves, whichever endpoint answered: every stream would fail.
CONNECTION_WIDE = {ErrorKind.UNAUTHORIZED, ErrorKind.PAYMENT_REQUIRED}
# After a move, the details read alone: these (after every retry) say the source no longer
# answers, as a failed incidents stream says it before; one record's 404 or a malformed body
# does not (that record goes to the back of the queue, read again at the next run).
SOURCE_GONE = {*CONNECTION_WIDE, ErrorKind.FORBIDDEN, ErrorKind.UNAVAILABLE}

Progress = Callable[[SyncRun], None]


class Tracker:
    """Counts of one run per stream, in the order the streams were read, saved to its row as
    pages arrive: ``run.counts == {"services": {...}, "incidents": {...}}``. Every save is a
    heartbeat; ``beat`` writes one alone while the run waits."""

    def __init__(self, run: SyncRun, stats: CallStats, on_progress: Progress | None):
        self.run, self.stats, self.on_progress = run, stats, on_progress
        self.streams: dict[str, StreamCounts] = {}
        self._saved_at = time.monotonic()  # the claim wrote the first heartbeat
        self.beat_every = heartbeat_every()
        self._calls_before = self._retries_before = 0

    def counts(self, stream: str) -> StreamCounts:
        return self.streams.setdefault(stream, StreamCounts())

    def start(self, stream: str) -> StreamCounts:
        # The stream before this one is done: its calls are settled now, not only if a save
        # happened to come while it was being read.
        self._settle_current()
        self._calls_before, self._retries_before = self.stats.calls, self.stats.retries
        return self.counts(stream)

    def _settle_current(self) -> None:
        """The calls and retries of the stream being read, since it started."""
        if self.streams:
            current = list(self.streams.values())[-1]
            current.http_calls = self.stats.calls - self._calls_before
            current.retries = self.stats.retries - self._retries_before

    @property
    def written(self) -> int:
        """Rows the run changed that the checks may read: a details stream's (an alert's logs,
        working through its backlog run after run) are the Data library's alone, but for the
        records it says the checks read (an incident whose notes report data loss)."""
        return sum(c.written if c.per_run is None else c.judged or 0 for c in self.streams.values())

    def add(self, stream: str, counts: StreamCounts, *, cursor: datetime | None = None) -> None:
        mine = self.counts(stream)
        mine.add(counts)
        if cursor is not None:
            mine.cursor = cursor.isoformat()
        # The page polls every 2 s: writing the row after each of hundreds of pages only slows
        # the sync. A callback (the command's progress line, tests) still sees every page.
        if self.on_progress or time.monotonic() - self._saved_at >= PROGRESS_EVERY_SECONDS:
            self.save()

    def totals(self) -> dict[str, Any]:
        """The run's counts as stored: per stream, and its calls and retries."""
        run = self.run
        self._settle_current()
        # Upstream text is redacted where it is stored too, not only where it was read: the
        # history, the dashboard and the evidence export show what is saved here.
        for counts in self.streams.values():
            counts.error = redact_for(run.connection, counts.error)
        return {
            "counts": {name: counts.as_dict() for name, counts in self.streams.items()},
            "http_calls": self.stats.calls,
            "retries": self.stats.retries,
        }

    def save(self, **extra: Any) -> None:
        run = self.run
        if extra.get("error"):
            extra["error"] = redact_for(run.connection, extra["error"])
        for name, value in self.totals().items():
            setattr(run, name, value)
        run.heartbeat_at = timezone.now()
        for name, value in extra.items():
            setattr(run, name, value)
        fields = ["counts", "http_calls", "retries", "heartbeat_at", *extra]
        self._write({name: getattr(run, name) for name in fields})
        if self.on_progress:
            self.on_progress(run)

    def beat(self) -> None:
        """The run waits (for an answer, through a backoff): say it is alive, at most every
        ``beat_every`` seconds."""
        if time.monotonic() - self._saved_at >= self.beat_every:
            self.run.heartbeat_at = timezone.now()
            self._write({"heartbeat_at": self.run.heartbeat_at})

    def _write(self, values: dict[str, Any]) -> None:
        # Only while the run is still RUNNING: one marked interrupted meanwhile (it was silent
        # too long) must not come back to life beside the run that may have replaced it.
        updated = SyncRun.objects.filter(pk=self.run.pk, outcome=SyncOutcome.RUNNING).update(
            **values
        )
        if not updated:
            raise RunInterrupted
        self._saved_at = time.monotonic()


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
    details_only = connection.has_moved
    if details_only and not (connection.reads_details_only and details_waiting(connection)):
        # Moved to its successor (integrations/moves.py): kept as evidence, synced no more,
        # once the details queued before the move are read (or can no longer be).
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
    run = _claim(connection, trigger=trigger, kind=SyncKind.FULL if full else SyncKind.INCREMENTAL)
    if run is None:
        return None
    provider = get_provider(connection.provider)
    stats = CallStats()
    tracker = Tracker(run, stats, on_progress)
    source = None
    try:
        # Read after the claim: only the worker that won it reads.
        resume = {} if details_only else _resumable(connection, before=run)
        if resume and run.kind != SyncKind.FULL:
            tracker.save(kind=SyncKind.FULL)
        source = provider.open_source(connection, stats=stats, sleep=sleep)
        streams = source.streams()
        failure = _run_streams(
            streams, connection, tracker, run.kind, resume, provider, details_only=details_only
        )
    except UpstreamError as error:
        # Opening the source failed (e.g. an OAuth token that can no longer be renewed).
        failure = (error, *provider.describe_error(error, connection=connection))
    except RunInterrupted:
        return _given_up(tracker)
    except Exception:
        logger.exception("sync of connection %s failed", connection.pk)
        try:
            tracker.save(
                outcome=SyncOutcome.FAILED,
                finished_at=timezone.now(),
                error="Internal error while syncing; the worker's log has the details.",
            )
        except RunInterrupted:
            return _given_up(tracker)
        return run
    finally:
        if source is not None:
            source.close()  # the worker is long-lived: do not leak its connections
    try:
        return _finish(connection, tracker, failure)
    except RunInterrupted:
        return _given_up(tracker)


def _given_up(tracker: Tracker) -> SyncRun:
    """The run was marked interrupted while it ran: it stops as it stands (what it stored is
    kept), and leaves the connection's status and the checks to the run after it. Its own
    counts are written one last time, so its history says exactly what it stored."""
    run = tracker.run
    logger.warning("sync run %s was marked interrupted while it ran; it stopped", run.pk)
    SyncRun.objects.filter(pk=run.pk).update(**tracker.totals())
    run.refresh_from_db()
    return run


def _run_streams(
    streams: Iterable[Stream],
    connection: Connection,
    tracker: Tracker,
    kind: str,
    resume: dict[str, str],
    provider: Any,
    *,
    details_only: bool = False,
) -> tuple[UpstreamError, str, str] | None:
    """Each stream in turn; the deciding stream's failure, if any, is returned. A moved
    connection (``details_only``) reads its details streams alone, and their failure to reach
    the source decides: it stopped answering."""
    decisive: tuple[UpstreamError, str, str] | None = None
    for stream in streams:
        if details_only and stream.kind != StreamKind.DETAILS:
            continue
        if stream.name not in STORES:
            # No installed app keeps this stream (e.g. accounts without the access app): it
            # is not read at all, and the run says nothing of it.
            logger.debug("no store for stream %s; not read", stream.name)
            continue
        if not stream_wanted(stream.name, connection):
            continue
        if not stream.decides_status and not connection.stream_is_on(stream.name):
            # An admin switched it off for this connection: not read, its rows kept as they are.
            continue
        counts = tracker.start(stream.name)
        try:
            if stream.kind == StreamKind.SNAPSHOT:
                _snapshot(stream, connection, tracker)
            elif stream.kind == StreamKind.DETAILS:
                read_details(
                    stream,
                    STORES[stream.name],
                    connection,
                    counts=counts,
                    on_counts=partial(tracker.add, stream.name),
                    on_wait=tracker.beat,
                    wait_seconds=tracker.beat_every,
                )
            else:
                full = kind == SyncKind.FULL
                resume_from = resume.get(stream.name)
                _incremental_stream(stream, connection, tracker, full, resume_from)
                # The scan is whole: nothing is left to resume, so its position is not kept.
                counts.cursor = ""
                if stream.by_update and not resume_from:
                    counts.watermark = tracker.run.started_at.isoformat()
        except UpstreamError as error:
            message, action = provider.describe_error(error, connection=connection)
            if error.kind == ErrorKind.FORBIDDEN and not stream.decides_status:
                # A key or token without this stream's permission still reads the others; the
                # rows stay as they were, and the run's history says why none were read.
                logger.info("connection %s may not read %s", connection.pk, stream.name)
                counts.skipped = f"the credentials may not read {stream_noun(stream.name)}"
                if stream.needs:
                    counts.skipped += f": it needs {stream.needs}"
            else:
                counts.error = message
            tracker.save()
            gone = details_only and error.kind in SOURCE_GONE
            if stream.decides_status or error.kind in CONNECTION_WIDE or gone:
                decisive = (error, message, action)
            if error.kind in CONNECTION_WIDE:
                break  # the credentials are refused: every other stream would fail the same way
    return decisive


def _finish(
    connection: Connection, tracker: Tracker, failure: tuple[UpstreamError, str, str] | None
) -> SyncRun:
    now = timezone.now()
    if failure is not None:
        error, message, action = failure
        tracker.save(outcome=SyncOutcome.FAILED, finished_at=now, error=message)
        if error.permanent:
            connection_record_error(connection=connection, message=message, action=action)
        if connection.moved_to_id is not None:
            # It stopped answering after its move was set: it syncs no more from now on.
            connection_stopped_answering(connection=connection)
        return tracker.run
    failed = [(name, counts.error) for name, counts in tracker.streams.items() if counts.error]
    if failed:
        error = " ".join(
            f"{stream_label(name)} could not be read: {message}" for name, message in failed
        )
        tracker.save(outcome=SyncOutcome.PARTIAL, finished_at=now, error=error)
    else:
        tracker.save(outcome=SyncOutcome.SUCCEEDED, finished_at=now)
    if connection.status == ConnectionStatus.ERROR:
        connection_clear_error(connection=connection)
    # A full read also (re)activates checks after connecting, even when it wrote nothing.
    if tracker.written or tracker.run.kind == SyncKind.FULL:
        for evaluate in EVALUATORS:
            evaluate(connection=connection, streams=dict(tracker.streams))
    return tracker.run


def _resumable(connection: Connection, *, before: SyncRun) -> dict[str, str]:
    """Where each stream of a failed (or interrupted) full scan stopped, when the run before
    ``before`` is one (and recent): that run goes on from there instead of reading everything
    again."""
    earlier = connection.sync_runs.exclude(pk=before.pk)
    latest = earlier.order_by("-started_at", "-pk").first()
    if (
        latest is None
        or latest.kind != SyncKind.FULL
        or latest.outcome not in (SyncOutcome.FAILED, SyncOutcome.INTERRUPTED)
        or latest.started_at < timezone.now() - RESUME_WITHIN
    ):
        return {}
    return {
        name: counts["cursor"]
        for name, counts in latest.counts.items()
        if isinstance(counts, dict) and counts.get("cursor")
    }


def _claim(connection: Connection, *, trigger: str, kind: str) -> SyncRun | None:
    now = timezone.now()
    try:
        # A run whose worker died holds the connection only until its heartbeat is stale.
        sync_interrupt_stale(connection=connection)
        # The partial unique index lets exactly one of two simultaneous claims through.
        with transaction.atomic():
            return SyncRun.objects.create(
                connection=connection, trigger=trigger, kind=kind, started_at=now, heartbeat_at=now
            )
    except IntegrityError:
        logger.info("connection %s is already syncing; skipped", connection.pk)
        return None
    except OperationalError as exc:
        # SQLite answers "locked" when other writers kept the database for the whole lock
        # timeout: this worker stands down rather than fail; the next schedule tries again.
        if "locked" not in str(exc):
            raise
        logger.info("connection %s is being claimed by another worker; skipped", connection.pk)
        return None


def _snapshot(stream: Stream, connection: Connection, tracker: Tracker) -> None:
    """The whole listing, every run; what it no longer names is flagged removed."""
    store_listing(
        STORES[stream.name],
        connection=connection,
        pages=stream.reader(),
        on_counts=lambda counts: tracker.add(stream.name, counts),
        relist=stream.reader,
        on_wait=tracker.beat,
        wait_seconds=tracker.beat_every,
    )


def _incremental_stream(
    stream: Stream, connection: Connection, tracker: Tracker, full: bool, resume_from: str | None
) -> None:
    store: RecordStore = STORES[stream.name]
    if resume_from:
        tracker.counts(stream.name).resumed_from = resume_from
        _reconcile(stream, store, connection, tracker, after=datetime.fromisoformat(resume_from))
        return
    # Nothing stored yet (a new connection's first read, whether asked as full or not).
    empty = store.newest_created_at(connection=connection) is None
    if full or empty:
        if tracker.run.kind != SyncKind.FULL:
            # Nothing stored yet: this stream's first read is a full one.
            tracker.save(kind=SyncKind.FULL)
        _reconcile(stream, store, connection, tracker, after=None, held_none=empty)
    else:
        _incremental(stream, store, connection, tracker)


def _save_pages(
    pages: Iterator[list[Any]],
    stream: Stream,
    store: RecordStore,
    connection: Connection,
    tracker: Tracker,
    *,
    scanning: bool = False,
    seen: SeenIds | None = None,
) -> Iterable[list[Any]]:
    # The pages that came while the last batch was written are written together, never waited
    # for (prefetch.merged).
    for page in merged(pages, on_wait=tracker.beat, wait_seconds=tracker.beat_every):
        counts = store.save(connection=connection, records=page, seen=seen)
        # A full scan's position is saved with its pages: a failed scan resumes after them.
        cursor = page[-1].created_at if scanning and page else None
        tracker.add(stream.name, counts, cursor=cursor)
        yield page


def _incremental(
    stream: Stream, store: RecordStore, connection: Connection, tracker: Tracker
) -> None:
    """What is new since the newest stored record, what is open upstream, and what we still
    hold as open but upstream no longer lists as open (it was resolved or closed). A stream
    read by update time with a watermark reads only what changed since it instead."""
    reader = stream.reader
    if stream.by_update and _changes(stream, store, connection, tracker):
        return
    newest = store.newest_created_at(connection=connection)
    unfinished = store.unfinished_ids(connection=connection)
    seen: set[str] = set()
    for pages in (reader.created_since(newest), reader.still_open()):
        for page in _save_pages(pages, stream, store, connection, tracker):
            seen.update(record.upstream_id for record in page)
    left_open = [upstream_id for upstream_id in unfinished if upstream_id not in seen]
    for _page in _save_pages(reader.no_longer_open(left_open), stream, store, connection, tracker):
        pass
    # A record missing from all of these may be deleted; only a full scan may say so.


def _changes(stream: Stream, store: RecordStore, connection: Connection, tracker: Tracker) -> bool:
    """What changed upstream since the watermark; False when there is none to read from, or
    the changes cannot be listed this time (the caller then reads the open records)."""
    since = previous_watermark(connection, stream.name, before=tracker.run)
    if since is None:
        return False
    try:
        for _page in _save_pages(
            stream.reader.changed_since(since), stream, store, connection, tracker
        ):
            pass
    except ChangesUnreadable as why:
        logger.info("connection %s: %s; reading the open %s", connection.pk, why, stream.name)
        return False
    return True


def _reconcile(
    stream: Stream,
    store: RecordStore,
    connection: Connection,
    tracker: Tracker,
    *,
    after: datetime | None,
    held_none: bool = False,
) -> None:
    """Read every record oldest first (from ``after`` when resuming a failed scan); then
    confirm, one batch query per 50, the stored ones the scan did not return, and flag as
    deleted only those upstream no longer has.

    Memory stays flat: candidates are found page by page by comparing the page with the stored
    rows created in the same time span, never by holding every id. When the connection held
    none of them as the scan began (its first read), every stored one came from the scan: none
    is compared (reading them all back was a twentieth of a first sync, make bench), and the
    store looks up only the records the scan may already have given it (page_lookup.SeenIds).
    """
    reader = stream.reader
    candidates: list[str] = []
    previous_end: datetime | None = after
    previous_ids: set[str] = set()
    scan = reader.scan_all(after=after)
    seen = SeenIds() if held_none else None
    for page in _save_pages(scan, stream, store, connection, tracker, scanning=True, seen=seen):
        ids = {record.upstream_id for record in page}
        end = page[-1].created_at
        if not held_none:
            stored = store.ids_created_between(connection=connection, after=previous_end, until=end)
            candidates.extend(i for i in stored if i not in ids and i not in previous_ids)
        previous_end, previous_ids = end, ids
    if not held_none:
        stored = store.ids_created_between(connection=connection, after=previous_end, until=None)
        candidates.extend(i for i in stored if i not in previous_ids)
    # The scan finished: only now may anything be called deleted.
    unique = list(dict.fromkeys(candidates))
    found: set[str] = set()
    for page in _save_pages(reader.by_ids(unique), stream, store, connection, tracker):
        found.update(record.upstream_id for record in page)
    missing = [upstream_id for upstream_id in unique if upstream_id not in found]
    if missing:
        deleted = store.mark_deleted(connection=connection, upstream_ids=missing)
        tracker.add(stream.name, StreamCounts(deleted=deleted))
