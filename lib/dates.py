"""Days people type, held to a range where every use of them is safe and sensible.

A date field parses 0001-01-01 and 9999-12-31 as happily as today; but the day after 9999-12-31
overflows (a filter's "to" day is read as "before the next midnight"), and a last working day in
the year 1 or a review due in the year 9999 is a typo, not a fact. Every form (and the staff CSV
import) asks the same question here, so every refusal reads the same.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date
from typing import Any

from django import forms
from django.utils.formats import date_format

# Nothing this app reads (incidents, accounts, directory entries) is older than the Unix epoch,
# the origin of the epoch-millisecond times OpsGenie speaks; and any filter or period up to the
# end of the century leaves room for the next day and for any time-zone conversion.
EARLIEST = date(1970, 1, 1)
LATEST = date(2100, 12, 31)
DAY_FORMAT = "j M Y"
# Dates in URLs and forms are ISO only: a bookmarked filter means the same day in every locale.
ISO_DATE = ["%Y-%m-%d"]

Bound = date | Callable[[], date]


def months_ahead(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _resolve(bound: Bound) -> date:
    return bound() if callable(bound) else bound


def out_of_range(day: date, *, earliest: Bound = EARLIEST, latest: Bound = LATEST) -> str:
    """Why ``day`` is refused, or "" when it lies in [earliest, latest]."""
    first, last = _resolve(earliest), _resolve(latest)
    if first <= day <= last:
        return ""
    return (
        f"Give a date between {date_format(first, DAY_FORMAT)} and {date_format(last, DAY_FORMAT)}."
    )


def validate_day(day: date | None, *, earliest: Bound = EARLIEST, latest: Bound = LATEST) -> None:
    """Raise the field error for a day outside [earliest, latest]; None (no day) passes."""
    if day is None:
        return
    problem = out_of_range(day, earliest=earliest, latest=latest)
    if problem:
        raise forms.ValidationError(problem, code="out_of_range")


class BoundedDateField(forms.DateField):
    """A DateField that refuses days outside [earliest, latest] (either may be a callable, read
    at validation, for bounds relative to today)."""

    def __init__(self, *, earliest: Bound = EARLIEST, latest: Bound = LATEST, **kwargs: Any):
        self.earliest, self.latest = earliest, latest
        super().__init__(**kwargs)

    def validate(self, value: date | None) -> None:
        super().validate(value)
        validate_day(value, earliest=self.earliest, latest=self.latest)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # The browser's date picker offers the same range (fixed bounds only: a bound relative
        # to today would be frozen at start-up here).
        attrs = super().widget_attrs(widget)
        if not callable(self.earliest):
            attrs["min"] = self.earliest.isoformat()
        if not callable(self.latest):
            attrs["max"] = self.latest.isoformat()
        return attrs
