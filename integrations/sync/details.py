"""Details streams: what hangs off each record another stream stored or changed (an alert's
logs, notes and recipients), read one record at a time and a bounded number a run.

The store keeps the marker: a record created or changed by its own stream waits for its
details; each run reads at most ``stream.per_run`` of the waiting ones, oldest waiting first,
so a backlog (the first sync of 20,000 alerts) is worked through over several runs and nothing
waits forever. A record whose details fail to read goes to the back of the queue (so one bad
record cannot hold up the others), and the error fails this stream alone, as any stream's does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import Model, QuerySet
from django.utils import timezone

from integrations.models import Connection, SyncRun
from integrations.sync.prefetch import prefetched
from integrations.sync.stores import STORES, StreamCounts
from integrations.sync.streams import Stream


class DetailsStore(Protocol):
    def pending_ids(self, *, connection: Connection, limit: int) -> list[str]:
        """Upstream ids of the records waiting for their details, oldest waiting first."""

    def pending_count(self, *, connection: Connection) -> int:
        """How many records wait for their details."""

    def save(self, *, connection: Connection, records: Sequence[Any]) -> StreamCounts:
        """Store the details of these records (one short transaction) and stop their waiting;
        details that did not change are not written."""

    def postpone(self, *, connection: Connection, upstream_id: str) -> None:
        """Send this record to the back of the queue (its details could not be read)."""


class WaitingQueue:
    """What a DetailsStore does with its queue, from the rows that wait (``waiting``) and the
    marker they wait by (a nullable time: set when the record is new or changed, cleared when
    its details are read, moved to now when a read fails)."""

    marker: str

    def waiting(self, connection: Connection | int) -> QuerySet[Any]:
        raise NotImplementedError

    def pending_ids(self, *, connection: Connection, limit: int) -> list[str]:
        rows = self.waiting(connection).order_by(self.marker, "id")
        return list(rows.values_list("upstream_id", flat=True)[:limit])

    def pending_count(self, *, connection: Connection) -> int:
        return self.waiting(connection).count()

    def postpone(self, *, connection: Connection, upstream_id: str) -> None:
        rows = self.waiting(connection).filter(upstream_id=upstream_id)
        rows.update(**{self.marker: timezone.now()})


# Pages count the waiting records up to this many ("more than 1,000"): they ask on every view,
# and a connection whose whole history waits (every stored incident, after the upgrade that
# added their notes) cost a full count per page: 350 ms at 1,000,000 incidents.
COUNTED = 1000


@dataclass(frozen=True)
class Backlog:
    waiting: int  # records whose details a sync has still to read, up to COUNTED
    per_run: int | None  # the bound of the last sync that read them (None: none did yet)
    more: bool = False  # more than COUNTED wait

    @property
    def counted(self) -> str:
        return f"more than {self.waiting:,}" if self.more else f"{self.waiting:,}"


def backlog(
    waiting: QuerySet[Model], runs: QuerySet[SyncRun], stream: str, *, marker: str
) -> Backlog:
    """Two queries: the records waiting (counted up to COUNTED), and the bound of the last
    of ``runs`` that read ``stream``. ``marker``: the time they wait by (WaitingQueue.marker).

    Counted in the order of the queue's partial index, (connection, marker, id) where the
    marker is set, which PostgreSQL then reads. Unordered, it planned a table scan up to the
    bound, expecting the waiting records spread through the table; they are the newest, at
    its end, and a scan starting far from them took 40-60 ms instead of 1 (alerts, every few
    requests at 100,000, make bench)."""
    in_order = waiting.order_by("connection_id", marker, "id")
    found = in_order.values("pk")[: COUNTED + 1].count()
    last = (
        runs.filter(counts__has_key=stream)
        .order_by("-started_at", "-id")
        .values_list("counts", flat=True)
        .first()
    )
    counts = last.get(stream) if isinstance(last, dict) else None
    per_run = counts.get("per_run") if isinstance(counts, dict) else None
    return Backlog(
        waiting=min(found, COUNTED),
        per_run=per_run if isinstance(per_run, int) else None,
        more=found > COUNTED,
    )


def read_details(
    stream: Stream,
    store: DetailsStore,
    connection: Connection,
    *,
    counts: StreamCounts,
    on_counts: Callable[[StreamCounts], None],
    on_wait: Callable[[], None],
    wait_seconds: float,
) -> None:
    """Read and store the details of up to ``stream.per_run`` waiting records; ``counts`` (the
    stream's, in the run) gets the bound and what still waits, also when a read fails."""
    ids = store.pending_ids(connection=connection, limit=stream.per_run)
    failing: list[str] = []

    def pages() -> Iterator[list[Any]]:
        for upstream_id in ids:
            try:
                record = stream.reader(upstream_id)
            except Exception:
                failing.append(upstream_id)
                raise
            yield [record]

    counts.per_run = stream.per_run
    try:
        # The next record is read while this one is stored (integrations/sync/prefetch.py).
        for page in prefetched(pages(), on_wait=on_wait, wait_seconds=wait_seconds):
            on_counts(store.save(connection=connection, records=page))
    finally:
        for upstream_id in failing:
            store.postpone(connection=connection, upstream_id=upstream_id)
        counts.pending = store.pending_count(connection=connection)


def details_waiting(connection: Connection) -> bool:
    """Any of the connection's details streams (each a registered store with a queue; those an
    admin switched off aside) has a record waiting: one indexed row asked of each."""
    return any(
        store.pending_ids(connection=connection, limit=1)
        for name, store in STORES.items()
        if hasattr(store, "pending_ids") and connection.stream_is_on(name)
    )
