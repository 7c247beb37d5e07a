from __future__ import annotations

import threading
import time

import pytest

from integrations.http import ErrorKind, UpstreamError
from integrations.sync.prefetch import prefetched


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
