"""The contract between the sync engine and the domain apps that store what it fetches.

A domain app registers one store per stream in its AppConfig.ready(); the engine only knows
these protocols, so the integrations layer never imports a domain app.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from integrations.models import Connection
from integrations.sync.page_lookup import SeenIds

COUNTED = ("fetched", "created", "updated", "unchanged", "deleted")


@dataclass
class StreamCounts:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0  # incremental: flagged deleted upstream; snapshot: flagged removed
    http_calls: int = 0
    retries: int = 0
    # Why the stream was not read at all (e.g. the credentials may not read it); "" when it was.
    skipped: str = ""
    # Why the stream failed after every retry; "" when it did not.
    error: str = ""
    # A full scan's position (ISO time of the last record stored): where a failed scan resumes.
    cursor: str = ""
    resumed_from: str = ""
    # A stream read by update time, read whole: where the next run reads changes from (the ISO
    # start of this run; integrations.sync.watermark).
    watermark: str = ""
    # A details stream: the most records whose details one run reads, and how many still wait.
    per_run: int | None = None
    pending: int | None = None
    # A details stream: how many records the checks read it changed (an incident whose notes
    # report data loss); the run then evaluates the checks, as after any stream's writes.
    judged: int | None = None

    def as_dict(self) -> dict[str, int | str]:
        """What a SyncRun keeps: the numbers, and the texts and bounds only when set."""
        return {name: value for name, value in vars(self).items() if value not in ("", None)}

    def add(self, other: StreamCounts) -> None:
        for name in COUNTED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.judged:
            self.judged = (self.judged or 0) + other.judged

    def settle(self, *, seen: int, created: int, updated: int) -> StreamCounts:
        """A store's page: of ``seen`` distinct records, these were created and updated; the
        rest were unchanged."""
        self.created, self.updated = created, updated
        self.unchanged = seen - created - updated
        return self

    @property
    def written(self) -> int:
        return self.created + self.updated + self.deleted


class RecordStore(Protocol):
    """The store of an incremental stream (incidents)."""

    def save(
        self, *, connection: Connection, records: Sequence[Any], seen: SeenIds | None = None
    ) -> StreamCounts:
        """Upsert one batch in one short transaction; unchanged rows are not written. ``seen``:
        in a first read, what it gave so far; only those may be held (page_lookup)."""

    def newest_created_at(self, *, connection: Connection) -> datetime | None:
        """The upstream creation time of the newest stored record (the incremental watermark)."""

    def unfinished_ids(self, *, connection: Connection) -> list[str]:
        """Upstream ids of stored records that can still change (e.g. open incidents)."""

    def ids_created_between(
        self, *, connection: Connection, after: datetime | None, until: datetime | None
    ) -> list[str]:
        """Ids of stored, not deleted records created in (after, until]; None = unbounded."""

    def mark_deleted(self, *, connection: Connection, upstream_ids: Sequence[str]) -> int:
        """Flag records as deleted upstream (never delete evidence)."""


class SnapshotStore(Protocol):
    """The store of a snapshot stream (services, users, teams...). It may also offer
    ``for_listing(connection=...)``: the store to save the pages of one whole listing with
    (snapshot.LiveRows gives itself; the accounts' store reads what it holds once)."""

    def save(self, *, connection: Connection, records: Sequence[Any]) -> StreamCounts:
        """Upsert one page in one short transaction; a row seen again is no longer removed."""

    def live_ids(self, *, connection: Connection) -> set[str]:
        """Upstream ids of the stored rows not flagged removed."""

    def flag_missing(self, *, connection: Connection, listed: set[str]) -> int:
        """After a complete listing: flag the stored rows it did not name as removed (with the
        date), never delete them. Returns how many were flagged."""


STORES: dict[str, Any] = {}
# Streams read only for some connections: stream name → fn(connection) -> bool. The accounts
# of a connection are read only once an admin makes it a critical system (access app).
STREAM_WANTED: dict[str, Callable[[Connection], bool]] = {}
# Called after a sync run that changed something: fn(connection=..., streams={name: counts}).
EVALUATORS: list[Callable[..., None]] = []


def register_store(stream: str, store: RecordStore | SnapshotStore) -> None:
    STORES[stream] = store


def register_stream_filter(stream: str, wanted: Callable[[Connection], bool]) -> None:
    STREAM_WANTED[stream] = wanted


def stream_wanted(stream: str, connection: Connection) -> bool:
    """Whether a run of ``connection`` reads ``stream``: always, unless its app says not."""
    wanted = STREAM_WANTED.get(stream)
    return wanted is None or wanted(connection)


def register_evaluator(evaluator: Callable[..., None]) -> None:
    if evaluator not in EVALUATORS:
        EVALUATORS.append(evaluator)
