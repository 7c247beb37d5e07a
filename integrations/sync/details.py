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
from typing import Any, Protocol

from integrations.models import Connection
from integrations.sync.prefetch import prefetched
from integrations.sync.stores import StreamCounts
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
