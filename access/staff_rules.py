"""Rules of the staff directory that the form and the CSV import share, as plain functions:
who may be whose manager, the dates an offboarding records and the last working days that can be
right."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import date

from access.models import StaffStatus
from lib.dates import months_ahead, out_of_range

# A last working day is recorded ahead for a planned departure, but not years ahead.
LAST_WORKING_DAY_MONTHS_AHEAD = 12


def manager_cycle(graph: Mapping[Hashable, Hashable | None], start: Hashable) -> list[Hashable]:
    """The chain start → manager → ... back to start, if following managers from ``start``
    comes back to it; else an empty list. A chain that loops elsewhere (an existing cycle above)
    is not ``start``'s to answer for, and stops the walk."""
    chain = [start]
    seen = {start}
    current = graph.get(start)
    while current is not None:
        chain.append(current)
        if current == start:
            return chain
        if current in seen:
            return []
        seen.add(current)
        current = graph.get(current)
    return []


def offboarded_on_after(*, status: str, offboarded_on: date | None, today: date) -> date | None:
    """The date the directory records an offboarding: today when a person becomes offboarded
    (a date already recorded is kept); none once they are active again (rehired: the earlier
    date stays in the history)."""
    if status == StaffStatus.OFFBOARDED:
        return offboarded_on or today
    return None


def last_working_day_problem(day: date, *, today: date) -> str:
    """Why ``day`` cannot be a last working day (a typo such as 0001-01-01 or 9999-12-31), or
    "" when it can."""
    return out_of_range(day, latest=months_ahead(today, LAST_WORKING_DAY_MONTHS_AHEAD))
