"""The contract between the domain apps and the check engine, kept below both.

A domain app declares its checks (``Check``, whose ``failing`` yields ``FailingRow``) and
registers them here in its AppConfig.ready; the checks app evaluates whatever is registered.
The domain apps sit below the engine and never import it: they ask it to evaluate, and read
their items' results, through ``engine()``, which the checks app plugs in when it is ready.

A check evaluates stored data only, never an upstream (PRODUCT 5, STYLE 4), and finds its
failing items with database queries, not by loading every row into Python.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db import connection

from lib.events import EventType


@dataclass(frozen=True)
class FailingRow:
    item_key: str  # stable id of the item, e.g. "incident:42"
    label: str
    url: str
    reason: str
    # Where the item comes from, as people read it (the integration's name): two sources can
    # each have an incident #499.
    source: str = ""


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
    # Set for a check whose every new failing item is news on its own (an offboarded person's
    # account): the engine emits this event for each item that starts failing, and closes it
    # (same alias) when the item leaves. None: only the check's own failing/recovered events.
    item_event: EventType | None = None
    # Set for a check over many items (a million incidents), so that an evaluation judges
    # again only what may have changed since the last one, not every item (issue 14).
    incremental: Incremental | None = None
    # Items it judges passing that people should still see listed, with why (an OpsGenie
    # connection whose move to a successor is set: "handled"); read live by the check's page.
    handled: Callable[[], Iterable[FailingRow]] | None = None


@dataclass(frozen=True)
class Incremental:
    """What an evaluation needs to judge only some items of a check and still agree with
    ``failing`` on all of them.

    An item's verdict depends on its own rows, on what ``basis`` says (a policy, which sources
    count...) and on time. The app that writes an item's rows tells the engine in the same
    transaction (``engine().changed``); ``due`` names the items whose verdict time alone may
    change; a changed ``basis`` makes the next evaluation judge every item again. Item keys are
    "<kind>:<id>" with an integer id (``FailingItem.item_id``)."""

    basis: Callable[[], str]
    # The ids of items whose verdict may change between ``since`` and ``now`` with nothing
    # written (an open incident's SLA running out).
    due: Callable[[datetime, datetime], Iterable[int]]
    # ``failing`` restricted to these ids.
    failing_among: Callable[[datetime, Collection[int]], Iterable[FailingRow]]


# Ids per IN (...) list: well under SQLite's limit on a statement's parameters. PostgreSQL
# takes them as one array parameter (lib/ids.py), so there a chunk only bounds a statement.
ID_CHUNK = 5000
ID_CHUNK_POSTGRESQL = 50_000


def id_chunks(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    size = ID_CHUNK_POSTGRESQL if connection.vendor == "postgresql" else ID_CHUNK
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


REGISTRY: dict[str, Check] = {}


def register(check: Check) -> Check:
    REGISTRY[check.key] = check
    return check


def checks_for(topic: str | None = None) -> list[Check]:
    return [check for check in REGISTRY.values() if topic is None or check.topic == topic]


class CheckEngine(Protocol):
    def evaluate(self, *, topic: str, reason: str) -> object:
        """Evaluate the checks of ``topic`` now (after a write that changes what they read)."""

    def changed(self, *, topic: str, item_ids: Iterable[int]) -> None:
        """These items of ``topic`` were written (in the caller's transaction): the next
        evaluation of its incremental checks judges them again."""

    def failing_items(self, *, check_keys: Collection[str], now: datetime) -> Any:
        """The items failing these checks, as a queryset of rows with ``item_key``, ``item_id``
        (the number in the item key), ``check_key``, ``reason`` and ``excepted`` (covered by a
        special case in force at ``now``). A queryset, so that a page can filter and join it
        in SQL."""

    def unexcepted_items(self, *, check_keys: Collection[str], now: datetime) -> Any:
        """The items failing these checks and covered by no special case in force at ``now``,
        as a queryset of the same rows as ``failing_items``, for a page to filter or count by
        (one query more, to learn whether any special case is in force for these checks)."""

    def failing_share(self, *, check_keys: Collection[str]) -> float:
        """The share of the items they check that these checks failed on at their last
        evaluation, special cases left out (failing items summed over the checks, over the
        largest population checked; 0 before any evaluation). One query."""

    def evaluated(self, *, check_keys: Collection[str]) -> set[str]:
        """Which of these checks have been evaluated at least once."""


_ENGINE: list[CheckEngine] = []


def plug_engine(engine: CheckEngine) -> None:
    _ENGINE[:] = [engine]


def engine() -> CheckEngine:
    if not _ENGINE:
        raise RuntimeError("No check engine: the checks app is not installed or not ready.")
    return _ENGINE[0]
