from __future__ import annotations

import threading
import time

import pytest

from integrations.http import ErrorKind, UpstreamError
from integrations.sync.prefetch import merged, prefetched


def test_pages_arrive_in_order() -> None:
    assert list(prefetched(iter([[1], [2], [3]]))) == [[1], [2], [3]]


def test_an_upstream_error_reaches_the_consumer_after_the_pages_before_it() -> None:
    def pages():  # type: ignore[no-untyped-def]
        yield [1]
        raise UpstreamError(ErrorKind.UNAVAILABLE, message="down")

    seen = []
    with pytest.raises(UpstreamError, match="down"):
        for page in prefetched(pages()):
            seen.append(page)
    assert seen == [[1]]


def test_a_consumer_that_stops_early_ends_the_producer() -> None:
    produced = []

    def pages():  # type: ignore[no-untyped-def]
        for n in range(1000):
            produced.append(n)
            yield [n]

    for _page in prefetched(pages()):
        break
    time.sleep(0.3)
    assert len(produced) <= 4  # it stopped instead of reading all 1000 pages
    assert not [t for t in threading.enumerate() if t.name == "sync-prefetch"]


def test_while_no_page_comes_the_consumer_is_told_so_in_its_own_thread() -> None:
    """A slow answer or a backoff: the run's heartbeat goes on, from the thread that owns the
    database work, not the one waiting on the upstream."""
    waits: list[str] = []

    def pages():  # type: ignore[no-untyped-def]
        time.sleep(0.35)
        yield [1]

    got = list(
        prefetched(
            pages(),
            on_wait=lambda: waits.append(threading.current_thread().name),
            wait_seconds=0.05,
        )
    )
    assert got == [[1]]
    assert len(waits) >= 3 and set(waits) == {threading.current_thread().name}


def test_pages_waiting_behind_one_are_written_with_it_in_order_up_to_the_cap() -> None:
    """merged: while the consumer is busy, the pages that came are joined to the next batch
    (never past the cap, never out of order, none lost)."""
    pages = [[n * 10 + k for k in range(10)] for n in range(12)]
    batches = []
    for batch in merged(iter(pages), up_to=30):
        batches.append(batch)
        time.sleep(0.05)  # a slow write: the producer fills the queue meanwhile
    assert [n for batch in batches for n in batch] == list(range(120))
    assert all(len(batch) <= 30 for batch in batches)
    assert max(len(batch) for batch in batches) == 30  # pages were joined
    assert len(batches) < len(pages)


def test_a_batch_never_waits_for_a_page_to_join_it() -> None:
    """A slow upstream: each page is written as soon as it comes, alone."""

    def pages():  # type: ignore[no-untyped-def]
        for n in range(3):
            time.sleep(0.1)
            yield [n]

    # Had it waited for pages to join, the three would have come as one batch.
    assert list(merged(pages(), up_to=500)) == [[0], [1], [2]]


def test_an_error_after_pages_comes_after_the_batch_of_those_pages() -> None:
    def pages():  # type: ignore[no-untyped-def]
        yield [1]
        yield [2]
        raise UpstreamError(ErrorKind.UNAVAILABLE, message="down")

    seen = []
    with pytest.raises(UpstreamError, match="down"):
        for batch in merged(pages(), up_to=500):
            seen.append(batch)
            time.sleep(0.1)
    assert [n for batch in seen for n in batch] == [1, 2]
