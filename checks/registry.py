"""Apps register their checks here (in AppConfig.ready); the engine evaluates whatever is here.

A check evaluates stored data only, never an upstream (PRODUCT 5, STYLE 4), and finds its
failing items with database queries, not by loading every row into Python.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class FailingRow:
    item_key: str  # stable id of the item, e.g. "incident:42"
    label: str
    url: str
    reason: str


@dataclass(frozen=True)
class Check:
    key: str
    title: str
    description: str
    how_to_fix: str
    # Groups checks re-evaluated together, e.g. after an incident sync.
    topic: str
    applicable: Callable[[], bool]
    checked_count: Callable[[], int]
    failing: Callable[[datetime], Iterable[FailingRow]]


REGISTRY: dict[str, Check] = {}


def register(check: Check) -> Check:
    REGISTRY[check.key] = check
    return check


def checks_for(topic: str | None = None) -> list[Check]:
    return [check for check in REGISTRY.values() if topic is None or check.topic == topic]
