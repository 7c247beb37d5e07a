"""The incident list's pages, at any size.

Counting a million matches costs more than the page itself, so the count stops at COUNT_CAP:
below it the list says how many match and which page of how many this is, as before; above it,
"more than 1,000". Then the Next and Previous links carry where the page ends (a cursor,
incidents/ordering.py), and the next page is read from there on the order's index (keyset): page
5,000 costs what page 1 does. A page number typed without a cursor is still served, by
OFFSET over that index; one past the end shows the last page, as Django's paginator does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import ceil
from typing import Any

from django.db.models import QuerySet

from incidents.ordering import Order, read_cursor

PER_PAGE = 50
COUNT_CAP = 1000
# A typed page number beyond this is read as "past the end" without walking to it.
MAX_PAGE = 100_000


@dataclass
class IncidentPage:
    """What the template needs of a page, in the names of Django's Page where they exist."""

    ids: list[int]
    number: int
    count: int  # exact when count_exact; else COUNT_CAP, and more match
    count_exact: bool
    num_pages: int | None  # None when the count is not exact
    more: bool  # a page follows this one
    object_list: list[Any] = field(default_factory=list)
    next_cursor: str | None = None
    previous_cursor: str | None = None

    @property
    def count_label(self) -> str:
        return f"{self.count:,}" if self.count_exact else f"More than {self.count:,}"

    def has_next(self) -> bool:
        return self.more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def paginate(
    incidents: QuerySet,
    order: Order,
    *,
    page: str | int | None,
    after: str,
    before: str,
    capped_count: Callable[[int], int] | None = None,
) -> IncidentPage:
    """The ids of one page of ``incidents`` in ``order``, and where it is among them.

    ``capped_count(n)``, when the caller has a cheaper way to count the matches up to ``n``
    than walking the order's index to the thousandth (the stored failing items, for a list
    filtered by a check alone), is asked instead, and only the page itself is walked to."""
    ids = incidents.order_by(*order.order_by()).values_list("id", flat=True)
    number = _number(page)
    head: Sequence[int]
    if capped_count is not None and capped_count(COUNT_CAP + 1) > COUNT_CAP:
        # More than the cap match: each page is read on its own (a slice of the head).
        head = _Head(ids)
    else:
        # The first thousand ids, in the page's order: they are the count (up to the cap)
        # and every page among them, in one walk of the order's index.
        head = list(ids[: COUNT_CAP + 1])
        if len(head) <= COUNT_CAP:
            return _exact(head, number)
    if position := read_cursor(order, after):
        fetched = list(ids.filter(order.after(position))[: PER_PAGE + 1])
        # Something came before a page that follows a cursor.
        return _more(fetched, max(number, 2))
    if position := read_cursor(order, before):
        backwards = ids.filter(order.after(position, reverse=True)).order_by(
            *order.order_by(reverse=True)
        )
        fetched = list(backwards[: PER_PAGE + 1])
        if len(fetched) <= PER_PAGE:
            # No more than a page before it: that is the first page.
            return _more(head[: PER_PAGE + 1], 1)
        page_ids = fetched[:PER_PAGE][::-1]
        return IncidentPage(page_ids, max(number, 2), COUNT_CAP, False, None, more=True)
    start = (number - 1) * PER_PAGE
    if start + PER_PAGE < len(head):
        return _more(head[start : start + PER_PAGE + 1], number)
    if number <= MAX_PAGE:
        fetched = list(ids[start : start + PER_PAGE + 1])
        if fetched:
            return _more(fetched, number)
    # A page number past the end (typed, or the data shrank): the last page, as Django's
    # paginator shows, which needs the exact count. Two more queries, on this path only.
    count = incidents.count()
    last = max(1, ceil(count / PER_PAGE))
    tail = list(ids.reverse()[: count - (last - 1) * PER_PAGE])[::-1]
    return IncidentPage(tail, last, count, True, last, more=False)


def _more(fetched: list[int], number: int) -> IncidentPage:
    """A page of many matches: ``fetched`` holds its ids and one more when a page follows."""
    return IncidentPage(
        fetched[:PER_PAGE], number, COUNT_CAP, False, None, more=len(fetched) > PER_PAGE
    )


def _exact(head: list[int], number: int) -> IncidentPage:
    """A page of no more than COUNT_CAP matches, all of them in ``head``."""
    count = len(head)
    num_pages = max(1, ceil(count / PER_PAGE))
    number = min(number, num_pages)
    start = (number - 1) * PER_PAGE
    page_ids = head[start : start + PER_PAGE]
    return IncidentPage(page_ids, number, count, True, num_pages, more=number < num_pages)


class _Head(Sequence[int]):
    """The first COUNT_CAP + 1 ids of a list known to hold more, read a slice at a time."""

    def __init__(self, ids: QuerySet) -> None:
        self.ids = ids

    def __len__(self) -> int:
        return COUNT_CAP + 1

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        # paginate() only ever slices its head, from a start to a stop within the cap.
        if not isinstance(index, slice) or index.step is not None or index.stop is None:
            raise TypeError("the head is read by slices")
        start, stop = index.start or 0, min(index.stop, COUNT_CAP + 1)
        return list(self.ids[start:stop]) if start < stop else []


def _number(page: str | int | None) -> int:
    """The page asked for; 1 for anything that is not a positive number (as Django's
    Paginator.get_page reads it)."""
    try:
        number = int(page)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return 1
    return number if number >= 1 else 1
