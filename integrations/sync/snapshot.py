"""Store one whole listing of a snapshot stream, then flag what it no longer names."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db.models import QuerySet

from integrations.models import Connection
from integrations.records import ListingTruncated
from integrations.sync.prefetch import merged, prefetched
from integrations.sync.stores import SnapshotStore, StreamCounts

logger = logging.getLogger(__name__)


class LiveRows:
    """For a snapshot store whose rows not flagged removed are a queryset (``live``): the ids
    the engine compares with a listing, and the rows a complete listing no longer names."""

    def live(self, connection: Connection) -> QuerySet[Any]:
        raise NotImplementedError

    def live_ids(self, *, connection: Connection) -> set[str]:
        return set(self.live(connection).values_list("upstream_id", flat=True))

    def for_listing(self, *, connection: Connection) -> Any:
        """The store that saves the pages of one whole listing: itself, unless it can do better
        knowing all the pages belong to one listing (read what it holds once, say)."""
        return self

    def missing(self, connection: Connection, listed: set[str]) -> list[int]:
        pairs = self.live(connection).values_list("pk", "upstream_id")
        return [pk for pk, upstream_id in pairs if upstream_id not in listed]


def store_listing(
    store: SnapshotStore,
    *,
    connection: Connection,
    pages: Iterable[Sequence[Any]],
    on_counts: Callable[[StreamCounts], None] | None = None,
    relist: Callable[[], Iterable[Sequence[Any]]] | None = None,
    on_wait: Callable[[], None] | None = None,
    wait_seconds: float = 1.0,
) -> StreamCounts:
    """Store every page, then flag the stored rows the listing did not name.

    Flagging waits for the end: a listing that failed (its error propagates) or was cut short
    by an upstream cap flags nothing. Snapshot listings are read by offset (the upstreams offer
    no key for them), so a row deleted mid-listing can shift another past us: when rows would
    be flagged and ``relist`` can read the listing again, only those missing from both
    readings are flagged. ``on_wait`` is called while no page has come for ``wait_seconds``
    (the run's heartbeat: integrations/sync/liveness.py)."""
    total = StreamCounts()
    listed: set[str] = set()

    def add(counts: StreamCounts) -> None:
        total.add(counts)
        if on_counts is not None:
            on_counts(counts)

    for_listing = getattr(store, "for_listing", None)  # a store without it saves page by page
    saver = for_listing(connection=connection) if for_listing else store
    try:
        # The next pages are read while this one is stored, and written together with it when
        # they came meanwhile (integrations/sync/prefetch.py): one transaction for them all
        # (accounts on PostgreSQL: a commit and its round trips were a third of a page's write).
        for page in merged(iter(pages), on_wait=on_wait, wait_seconds=wait_seconds):
            add(saver.save(connection=connection, records=page))
            listed.update(record.upstream_id for record in page)
        if relist is not None and store.live_ids(connection=connection) - listed:
            for page in prefetched(iter(relist()), on_wait=on_wait, wait_seconds=wait_seconds):
                # A confirming read: it counts only rows it changes (its calls are counted).
                counts = saver.save(connection=connection, records=page)
                counts.fetched = counts.unchanged = 0
                add(counts)
                listed.update(record.upstream_id for record in page)
    except ListingTruncated:
        logger.warning("connection %s: a listing was cut short; nothing flagged", connection.pk)
        return total
    add(StreamCounts(deleted=store.flag_missing(connection=connection, listed=listed)))
    return total
