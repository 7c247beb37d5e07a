"""The alert list's pages, at any size (as incidents/list_pages.py, newest first only).

The count stops at COUNT_CAP ("More than 1,000"): counting a million matches costs more than
the page. A page is read after the last row of the one before (keyset on created_at, id: the
``alert_newest`` index), so page 5,000 costs what page 1 does; the Next link carries where the
page ends as a cursor. A cursor that cannot be read is ignored (the first page), never an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Q, QuerySet

from alerts.models import Alert

PER_PAGE = 50
COUNT_CAP = 1000
_CURSOR = re.compile(r"^(\d{1,16})\.(\d{1,18})$")


@dataclass
class AlertPage:
    rows: list[Alert]
    count: int  # exact when count_exact; else COUNT_CAP, and more match
    count_exact: bool
    number: int
    next_cursor: str | None

    @property
    def count_label(self) -> str:
        return f"{self.count:,}" if self.count_exact else f"More than {self.count:,}"


def cursor_of(alert: Alert) -> str:
    """Where a page ends: the last row's creation time (microseconds) and id."""
    micros = int(alert.created_at.timestamp() * 1_000_000)
    return f"{micros}.{alert.pk}"


def read_cursor(text: str) -> tuple[datetime, int] | None:
    match = _CURSOR.match(text or "")
    if match is None:
        return None
    try:
        moment = datetime.fromtimestamp(int(match[1]) / 1_000_000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment, int(match[2])


def paginate(alerts: QuerySet[Alert], *, after: str, number: str | None) -> AlertPage:
    newest_first = alerts.order_by("-created_at", "-id")
    count = len(newest_first.values_list("id", flat=True)[: COUNT_CAP + 1])
    position = read_cursor(after)
    page_number = _number(number) if position else 1
    if position is not None:
        moment, pk = position
        # At or before its moment, and before it at the same moment. Not written as "before,
        # or the same moment and a smaller id": given its (rough, bounded) statistics, SQLite
        # planned that OR as two index searches whose union it sorted, every alert before the
        # cursor (196 ms at 100,000, make bench); this way it walks the newest-first index from
        # the cursor and stops after a page (2 ms).
        newest_first = newest_first.filter(
            Q(created_at__lte=moment), Q(created_at__lt=moment) | Q(id__lt=pk)
        )
    rows = list(newest_first.defer("raw", "search_text")[: PER_PAGE + 1])
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    return AlertPage(
        rows=rows,
        count=min(count, COUNT_CAP),
        count_exact=count <= COUNT_CAP,
        number=page_number,
        next_cursor=cursor_of(rows[-1]) if more else None,
    )


def _number(text: str | None) -> int:
    try:
        number = int(text or "")
    except ValueError:
        return 2
    return min(max(number, 2), 10_000_000)
