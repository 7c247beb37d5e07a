"""Read the next page while the current one is stored.

The upstream's answer time and our write time then overlap instead of adding up. The producer
thread only does HTTP and parsing, never database work; at most a few pages wait in the queue,
so memory stays flat.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


# Pages read ahead at most: one overlaps the write; a second absorbs an uneven answer time.
DEPTH = 2
# Read ahead by ``merged``: the pages that wait while one batch is written make the next one.
MERGE_DEPTH = 3
# Records in one batch at most (one transaction of a sync).
BATCH_UP_TO = 300


class _ReadAhead:
    """``pages`` read by a thread into a bounded queue; the consumer takes them in order."""

    def __init__(self, pages: Iterator[object], depth: int) -> None:
        self._buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._held: object | None = None
        self._worker = threading.Thread(
            target=self._produce, args=(pages,), name="sync-prefetch", daemon=True
        )
        self._worker.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, pages: Iterator[object]) -> None:
        try:
            for page in pages:
                if not self._put(page):
                    return
        except BaseException as error:  # handed to the consumer, which re-raises it
            self._put(_Failure(error))
            return
        self._put(_DONE)

    def next(self, on_wait: Callable[[], None] | None, wait_seconds: float) -> object:
        """The next page, or _DONE; the producer's error is raised here. While none comes for
        ``wait_seconds``, ``on_wait`` is called in this (the consumer's) thread."""
        item, self._held = self._held, None
        while item is None:
            try:
                item = self._buffer.get(timeout=wait_seconds if on_wait is not None else None)
            except queue.Empty:
                if on_wait is not None:
                    on_wait()
        if isinstance(item, _Failure):
            raise item.error
        return item

    def waiting_page(self) -> object | None:
        """The next page if it has already come, else None (the end and an error are kept for
        ``next``)."""
        if self._held is not None:
            return None
        try:
            item = self._buffer.get_nowait()
        except queue.Empty:
            return None
        if item is _DONE or isinstance(item, _Failure):
            self._held = item
            return None
        return item

    def close(self) -> None:
        # The consumer stopped (finished, or a write failed): let the producer end.
        self._stop.set()
        self._worker.join(timeout=30)


def prefetched(
    pages: Iterator[T], *, on_wait: Callable[[], None] | None = None, wait_seconds: float = 1.0
) -> Iterator[T]:
    """``pages``, read ahead in a thread. While no page has come for ``wait_seconds`` (a slow
    answer, a backoff of minutes), ``on_wait`` is called here, in the consumer's thread: the
    sync's heartbeat, written by the thread that owns the database work."""
    ahead = _ReadAhead(pages, DEPTH)
    try:
        while (item := ahead.next(on_wait, wait_seconds)) is not _DONE:
            yield item  # type: ignore[misc]
    finally:
        ahead.close()


def merged(
    pages: Iterator[list[T]],
    *,
    up_to: int | None = None,
    on_wait: Callable[[], None] | None = None,
    wait_seconds: float = 1.0,
) -> Iterator[list[T]]:
    """``pages`` read ahead as by ``prefetched``, each joined by those already waiting behind
    it, in order, while the batch holds fewer than ``up_to`` items. Never waits for a page to
    join: when the writing keeps up, every page comes alone; when it falls behind, the pages
    that came meanwhile are written at once, and what each write costs whatever its size (a
    commit, a lookup, a round trip to the database) is paid once for all of them. ``up_to``:
    BATCH_UP_TO unless given."""
    up_to = BATCH_UP_TO if up_to is None else up_to
    ahead = _ReadAhead(pages, MERGE_DEPTH)
    try:
        while (item := ahead.next(on_wait, wait_seconds)) is not _DONE:
            batch = list(item)  # type: ignore[call-overload]
            while len(batch) < up_to and (more := ahead.waiting_page()) is not None:
                batch.extend(more)  # type: ignore[call-overload]
            yield batch
    finally:
        ahead.close()
