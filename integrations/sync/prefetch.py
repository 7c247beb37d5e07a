"""Read the next page while the current one is stored.

The upstream's answer time and our write time then overlap instead of adding up. The producer
thread only does HTTP and parsing, never database work; at most ``DEPTH`` pages wait in the
queue, so memory stays flat.
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


def prefetched(
    pages: Iterator[T], *, on_wait: Callable[[], None] | None = None, wait_seconds: float = 1.0
) -> Iterator[T]:
    """``pages``, read ahead in a thread. While no page has come for ``wait_seconds`` (a slow
    answer, a backoff of minutes), ``on_wait`` is called here, in the consumer's thread: the
    sync's heartbeat, written by the thread that owns the database work."""
    buffer: queue.Queue[object] = queue.Queue(maxsize=DEPTH)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for page in pages:
                if not put(page):
                    return
        except BaseException as error:  # handed to the consumer, which re-raises it
            put(_Failure(error))
            return
        put(_DONE)

    worker = threading.Thread(target=produce, name="sync-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            try:
                item = buffer.get(timeout=wait_seconds if on_wait is not None else None)
            except queue.Empty:
                if on_wait is not None:
                    on_wait()
                continue
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        # The consumer stopped (finished, or a write failed): let the producer end.
        stop.set()
        worker.join(timeout=30)
