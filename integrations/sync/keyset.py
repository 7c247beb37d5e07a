"""Keyset paging: read a listing sorted by creation time by asking, page after page, for what
follows the last record seen, never by growing offsets (STYLE 13).

With offsets, a record deleted mid-scan before our position shifts every later record up by
one, and the one at the page boundary is never read. With a key (the creation time) the next
page starts after the last record *seen*, whatever happened before it: every record that
existed for the whole scan is read, exactly once. The boundary is asked for again (``>=``, and
``overlap`` earlier still where the upstream's precision or the inclusiveness of its filter is
unsure) and de-duplicated by id.

Only a page whose records all share one creation time cannot move the key on; there the
listing goes on by offset *within that instant*, the one place a deletion could still shift it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Protocol, TypeVar


class Keyed(Protocol):
    @property
    def upstream_id(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


R = TypeVar("R", bound=Keyed)
# fetch(lower, offset) -> (records sorted by creation time from ``lower`` on, more to come?)
Fetch = Callable[[datetime | None, int], tuple[list[R], bool]]


def keyset_pages(
    fetch: Fetch[R], *, start: datetime | None = None, overlap: timedelta = timedelta(0)
) -> Iterator[list[R]]:
    """Pages of new records, oldest first; ``start`` None reads from the very first."""
    lower, offset = start, 0
    # Ids already yielded whose creation time is at or after ``lower``: the next page asks for
    # them again and must not yield them twice.
    recent: dict[str, datetime] = {}
    while True:
        records, more = fetch(lower, offset)
        fresh = [record for record in records if record.upstream_id not in recent]
        recent.update((record.upstream_id, record.created_at) for record in fresh)
        if fresh:
            yield fresh
        if not more or not records:
            return
        next_lower = records[-1].created_at - overlap
        if lower is not None and next_lower <= lower:
            offset += len(records)  # a whole page in one instant: step through it
        else:
            lower, offset = next_lower, 0
            recent = {key: at for key, at in recent.items() if at >= lower}
