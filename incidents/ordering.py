"""The incident list's orders, and where a page of them ends.

Each order is one direction over a row of keys, ties broken newest first and then by id: a
priority or status order ranks its column with a CASE whose values already point the right way
(Lowest first ranks Unknown highest), so every order can be walked on one index, and a page can
start "after the last row of the previous one" with a single row comparison (keyset pages: the
5,000th page costs what the first does; STYLE 13). The indexes on the same keys are in
Incident.Meta.

A position is passed in the URL as a cursor: the order's name and the last (or first) row's
keys, base64 of JSON. One that cannot be read is ignored, never an error.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import DateTimeField, F, IntegerField, OrderBy, TextField, Value
from django.db.models.functions import Length

from incidents.expressions import Ranked, RowCompare

PRIORITY_HIGH_FIRST = Ranked("priority", {"high": 3, "medium": 2, "low": 1}, default=0)
PRIORITY_LOW_FIRST = Ranked("priority", {"high": 0, "medium": 1, "low": 2}, default=3)
STATUS_OPEN_FIRST = Ranked("status", {"open": 2, "resolved": 1}, default=0)
STATUS_CLOSED_FIRST = Ranked("status", {"open": 0, "resolved": 1}, default=2)
SORTS = ("reported", "priority", "status", "number")


@dataclass(frozen=True)
class Order:
    name: str
    keys: tuple[Any, ...]
    descending: bool

    def order_by(self, *, reverse: bool = False) -> list[OrderBy]:
        descending = self.descending != reverse
        return [key.desc() if descending else key.asc() for key in self.keys]

    def after(self, values: tuple[Any, ...], *, reverse: bool = False) -> RowCompare:
        """The rows that come after a row with these ``values`` (before it: ``reverse``)."""
        operator = "<" if self.descending != reverse else ">"
        typed = [Value(value, output_field=_field(value)) for value in values]
        return RowCompare(self.keys, operator, typed)

    def values(self, incident: Any) -> tuple[Any, ...]:
        """``incident``'s keys in this order, as the database computes them."""
        if self.name.startswith("reported"):
            return (incident.created_at, incident.pk)
        if self.name.startswith("number"):
            return (len(incident.number), incident.number, incident.pk)
        rank = self.keys[0]
        return (rank.rank(getattr(incident, rank.column)), incident.created_at, incident.pk)


def _field(value: Any) -> Any:
    if isinstance(value, datetime):
        return DateTimeField()
    return IntegerField() if isinstance(value, int) else TextField()


_NEWEST = (F("created_at"), F("id"))
ORDERS = {
    ("reported", True): Order("reported-desc", _NEWEST, True),
    ("reported", False): Order("reported-asc", _NEWEST, False),
    ("priority", True): Order("priority-desc", (PRIORITY_HIGH_FIRST, *_NEWEST), True),
    ("priority", False): Order("priority-asc", (PRIORITY_LOW_FIRST, *_NEWEST), True),
    ("status", False): Order("status-asc", (STATUS_OPEN_FIRST, *_NEWEST), True),
    ("status", True): Order("status-desc", (STATUS_CLOSED_FIRST, *_NEWEST), True),
    # Numbers are digits upstream: by length first, so "9" comes before "10".
    ("number", True): Order("number-desc", (Length("number"), F("number"), F("id")), True),
    ("number", False): Order("number-asc", (Length("number"), F("number"), F("id")), False),
}
# What each key of a cursor must be, per kind of order.
_SHAPES = {"reported": (datetime, int), "number": (int, str, int), "rank": (int, datetime, int)}


def cursor(order: Order, incident: Any) -> str:
    values = [v.isoformat() if isinstance(v, datetime) else v for v in order.values(incident)]
    text = json.dumps([order.name, *values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def read_cursor(order: Order, text: str) -> tuple[Any, ...] | None:
    """The keys in a cursor of ``order``; None when it is of another order or unreadable."""
    if not text or len(text) > 400:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(decoded, list) or not decoded or decoded[0] != order.name:
        return None
    kind = order.name.split("-")[0]
    shape = _SHAPES.get(kind, _SHAPES["rank"])
    values = decoded[1:]
    if len(values) != len(shape):
        return None
    typed = [_typed(value, expected) for value, expected in zip(values, shape, strict=True)]
    return None if any(value is None for value in typed) else tuple(typed)


def _typed(value: object, expected: type) -> object | None:
    if expected is datetime:
        return _moment(value)
    if type(value) is not expected:
        return None
    if isinstance(value, str):
        return None if "\x00" in value else value  # PostgreSQL refuses a NUL in text
    assert isinstance(value, int)
    return value if -(2**63) <= value < 2**63 else None


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
