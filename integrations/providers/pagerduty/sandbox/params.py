"""Query parameters of the PagerDuty REST API v2 as the emulator reads them: classic paging
(reference §5.1), list parameters, sorting, name filters and the incident date window (§3.1),
each refusing bad input with PagerDuty's error envelope (§5.2)."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from integrations.providers.pagerduty.sandbox.data import Record, iso_s
from integrations.sandbox.wsgi import HttpProblem, Request

# Classic pagination (reference §5.1).
DEFAULT_LIMIT: Final = 25
MAX_LIMIT: Final = 100
# Guess (reference §10): whether a larger limit is clamped or rejected is unconfirmed; we clamp.
CLAMP_LIMIT_ABOVE_MAX: Final = True
MAX_OFFSET_PLUS_LIMIT: Final = 10_000
OFFSET_CAP_ERROR: Final = {
    "message": "Arguments Caused Error",
    "code": 2002,
    "errors": [
        "Offset+limit exceeds maximum allowed value of 10000. Please try to refine your search "
        "to reduce the returned set of records below this number, like adding a date range."
    ],
}

# The incident date window (reference §3.1). Guess: "1 month" / "6 months" read as calendar
# months; a missing `until` is now, a missing `since` is one window before `until`; `since` is
# inclusive and `until` exclusive; the window applies to `created_at`.
DEFAULT_WINDOW_MONTHS: Final = 1
MAX_WINDOW_MONTHS: Final = 6
# Guess: the documented 2005 vs the observed 2001 for a too-long range; we follow the observation.
WINDOW_TOO_LONG_ERROR: Final = {
    "message": "Invalid Input Provided",
    "code": 2001,
    "errors": [f"Date range cannot exceed {MAX_WINDOW_MONTHS} months."],
}
BAD_TIME_ERROR: Final = {
    "message": "Invalid time values in 'since' and/or 'until'",
    "code": 2004,
}
REVERSED_WINDOW_ERROR: Final = {"message": "Invalid Query Date Range", "code": 2005}

INCIDENT_SORT_FIELDS: Final = ("incident_number", "created_at", "resolved_at", "urgency")
MAX_SORT_FIELDS: Final = 2
# Guess (reference §5.1 [U]): the default order of /incidents is not documented.
DEFAULT_INCIDENT_SORT: Final = (("created_at", False),)
INCIDENT_STATUSES: Final = ("triggered", "acknowledged", "resolved")
URGENCIES: Final = ("high", "low")


def problem(status: int, error: dict[str, Any] | str) -> HttpProblem:
    """PagerDuty wraps every error in {"error": ...} (reference §5.2)."""
    return HttpProblem(status, {"error": error})


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int
    total: bool


def invalid(name: str) -> dict[str, Any]:
    return {"message": "Invalid Input Provided", "code": 2001, "errors": [f"{name} is invalid."]}


def _bool(request: Request, name: str) -> bool:
    raw = request.arg(name)
    if raw is None or raw == "":
        return False
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise problem(400, invalid(name))


def _int(request: Request, name: str, default: int) -> int:
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise problem(400, invalid(name)) from None


def read_page(request: Request) -> Page:
    limit = _int(request, "limit", DEFAULT_LIMIT)
    offset = _int(request, "offset", 0)
    if limit < 1 or (limit > MAX_LIMIT and not CLAMP_LIMIT_ABOVE_MAX):
        raise problem(400, invalid("limit"))
    if offset < 0:
        raise problem(400, invalid("offset"))
    limit = min(limit, MAX_LIMIT)
    if offset + limit > MAX_OFFSET_PLUS_LIMIT:
        raise problem(400, OFFSET_CAP_ERROR)
    return Page(offset, limit, _bool(request, "total"))


def paged(name: str, items: list[Record], page: Page) -> dict[str, Any]:
    chunk = items[page.offset : page.offset + page.limit]
    return {
        name: chunk,
        "limit": page.limit,
        "offset": page.offset,
        "more": page.offset + len(chunk) < len(items),
        "total": len(items) if page.total else None,
    }


def set_param(request: Request, name: str, allowed: tuple[str, ...] | None = None) -> set[str]:
    """`name[]=a&name[]=b` (also the bare `name=a`, or a comma-separated list)."""
    values = {
        part
        for key, value in request.query_items
        if key in (name, f"{name}[]")
        for part in value.split(",")
        if part
    }
    if allowed is not None and not values <= set(allowed):
        raise problem(400, invalid(f"{name}[]"))
    return values


def incident_sort(raw: str | None) -> tuple[tuple[str, bool], ...]:
    if not raw:
        return DEFAULT_INCIDENT_SORT
    order = []
    for item in raw.split(","):
        field, _, direction = item.strip().partition(":")
        if field not in INCIDENT_SORT_FIELDS or direction not in ("", "asc", "desc"):
            raise problem(400, invalid("sort_by"))
        order.append((field, direction == "desc"))
    if len(order) > MAX_SORT_FIELDS:
        raise problem(400, invalid("sort_by"))
    return tuple(order)


def incident_sort_key(field: str, descending: bool) -> Callable[[Record], Any]:
    # Stable sorts applied last-field-first; incident_number breaks ties in the chosen direction.
    if field == "incident_number":
        return lambda incident: incident["incident_number"]
    if field == "urgency":
        return lambda incident: (incident["urgency"] == "high", incident["incident_number"])
    if field == "resolved_at":
        # Guess: unresolved incidents (null) sort after resolved ones when ascending.
        return lambda incident: (
            (incident["resolved_at"] is None) != descending,
            incident["resolved_at"] or "",
            incident["incident_number"],
        )
    return lambda incident: (incident[field], incident["incident_number"])


def _parse_time(raw: str | None, *, default: datetime) -> datetime:
    if raw is None or raw == "":
        return default
    try:
        moment = datetime.fromisoformat(raw.strip().replace(" ", "+"))
    except ValueError:
        raise problem(400, BAD_TIME_ERROR) from None
    if moment.tzinfo is None:
        # Read in the account's time zone, which is UTC in the sandbox (reference §3.1).
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def matches_query(request: Request, text: str) -> bool:
    query = request.arg("query")
    return not query or query.casefold() in text.casefold()


def named(request: Request, records: list[Record]) -> list[Record]:
    exact = request.arg("name")
    return [
        record
        for record in records
        if matches_query(request, record["name"]) and (exact is None or record["name"] == exact)
    ]


def incident_window(request: Request, now_s: int) -> tuple[str, str]:
    """(since, until) of `/incidents`, as timestamps to compare `created_at` with."""
    now = datetime.fromtimestamp(now_s, UTC)
    until = _parse_time(request.arg("until"), default=now)
    since = _parse_time(request.arg("since"), default=_add_months(until, -DEFAULT_WINDOW_MONTHS))
    if since > until:
        raise problem(400, REVERSED_WINDOW_ERROR)
    if until > _add_months(since, MAX_WINDOW_MONTHS):
        raise problem(400, WINDOW_TOO_LONG_ERROR)
    return iso_s(int(since.timestamp())), iso_s(int(until.timestamp()))


def time_window(request: Request, now_s: int, *, default_s: int, max_days: int) -> tuple[int, int]:
    """(since, until) in epoch seconds for the schedule and on-call reads: a missing ``since``
    is now, a missing ``until`` is ``default_s`` after ``since``; a reversed window is 2005 and
    one longer than ``max_days`` 2001 (Guess: the messages of those two are unconfirmed)."""
    now = datetime.fromtimestamp(now_s, UTC)
    since = _parse_time(request.arg("since"), default=now)
    until = _parse_time(
        request.arg("until"), default=datetime.fromtimestamp(since.timestamp() + default_s, UTC)
    )
    if since > until:
        raise problem(400, REVERSED_WINDOW_ERROR)
    if (until - since).total_seconds() > max_days * 86_400:
        raise problem(
            400,
            {
                "message": "Invalid Input Provided",
                "code": 2001,
                "errors": [f"Date range cannot exceed {max_days} days."],
            },
        )
    return int(since.timestamp()), int(until.timestamp())


def sort_by_name(request: Request) -> bool:
    """``sort_by`` of the listings sorted by name only; True when descending."""
    sort_by = request.arg("sort_by") or "name"
    if sort_by not in ("name", "name:asc", "name:desc"):
        raise problem(400, invalid("sort_by"))
    return sort_by == "name:desc"
