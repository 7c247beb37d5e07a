"""The contract between the sync engine and the domain apps that store what it fetches.

A domain app registers one store per stream in its AppConfig.ready(); the engine only knows this
protocol, so the integrations layer never imports a domain app.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from integrations.models import Connection


@dataclass
class StreamCounts:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    # Why the stream was not read at all (e.g. the credentials may not read it); "" when it was.
    skipped: str = ""

    def as_dict(self) -> dict[str, int | str]:
        """What a SyncRun keeps; ``skipped`` only when the stream was skipped."""
        values: dict[str, int | str] = dict(vars(self))
        if not self.skipped:
            del values["skipped"]
        return values

    def add(self, other: StreamCounts) -> None:
        for name in ("fetched", "created", "updated", "unchanged", "deleted"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def written(self) -> int:
        return self.created + self.updated + self.deleted


class RecordStore(Protocol):
    def save(self, *, connection: Connection, records: Sequence[Any]) -> StreamCounts:
        """Upsert one batch in one short transaction; unchanged rows are not written."""

    def newest_created_at(self, *, connection: Connection) -> datetime | None:
        """The upstream creation time of the newest stored record (the incremental watermark)."""

    def unfinished_ids(self, *, connection: Connection) -> list[str]:
        """Upstream ids of stored records that can still change (e.g. open incidents)."""

    def ids_created_between(
        self, *, connection: Connection, after: datetime | None, until: datetime | None
    ) -> list[str]:
        """Ids of stored, not deleted records created in (after, until]; None = unbounded."""

    def mark_deleted(self, *, connection: Connection, upstream_ids: Sequence[str]) -> int:
        """Flag records as deleted upstream (never delete evidence)."""


STORES: dict[str, RecordStore] = {}
# Called after a sync run that changed something: fn(connection=..., streams={name: counts}).
EVALUATORS: list[Callable[..., None]] = []


def register_store(stream: str, store: RecordStore) -> None:
    STORES[stream] = store


def register_evaluator(evaluator: Callable[..., None]) -> None:
    if evaluator not in EVALUATORS:
        EVALUATORS.append(evaluator)
