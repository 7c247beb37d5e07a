"""What a provider's source declares: its streams, each incremental or snapshot.

- **Incremental** (incidents, alerts): a scheduled run reads what is new (keyset by creation
  time), what is still open, and what we hold as open that is no longer listed as open; a full
  reconciliation reads everything and flags what is gone. A reader that can list by update time
  (``ChangesReader``: alerts) is asked instead for what changed since the last good run's start
  (``integrations.sync.watermark``), so a run with nothing changed costs the same at any size.
- **Snapshot** (services; later users, teams, schedules...): every run reads the whole listing;
  rows it does not name are flagged removed, never deleted.

The engine runs a source's streams in the order declared, and knows no stream by name: a
domain app registers the store for each (``integrations.sync.stores``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

Page = list[Any]

# The snapshot stream of a provider's user accounts (AccountRecord); its store and the filter
# that reads it only for critical systems are the access app's.
ACCOUNTS = "accounts"


class StreamKind(StrEnum):
    INCREMENTAL = "incremental"
    SNAPSHOT = "snapshot"
    # What hangs off records another stream stored or changed (an alert's logs, notes and
    # recipients): read one record at a time, a bounded number a run (integrations.sync.details).
    DETAILS = "details"


class IncrementalReader(Protocol):
    def scan_all(self, *, after: datetime | None = None) -> Iterator[Page]:
        """Every record (from ``after`` on, when resuming), oldest first, by keyset."""

    def created_since(self, moment: datetime) -> Iterator[Page]:
        """Records created at or after ``moment`` (a little before, to be safe)."""

    def still_open(self) -> Iterator[Page]:
        """Records upstream still lists as open."""

    def no_longer_open(self, upstream_ids: Sequence[str]) -> Iterator[Page]:
        """Records we hold as open that the open listing did not return (read by id at worst)."""

    def by_ids(self, upstream_ids: Sequence[str]) -> Iterator[Page]:
        """These records, as they are now; those gone upstream are left out."""


class ChangesUnreadable(Exception):
    """The changes since the watermark cannot be listed this time (too many for the upstream's
    offset cap, or a listing that kept shifting): the run reads the open records instead."""


class ChangesReader(IncrementalReader, Protocol):
    def changed_since(self, moment: datetime) -> Iterator[Page]:
        """Records changed (or created) at or after ``moment``, less an overlap of the reader's;
        raises ChangesUnreadable when it cannot list them all."""


# A snapshot stream's reader: every record, page by page; it raises ListingTruncated when an
# upstream cap cuts the listing short.
SnapshotReader = Callable[[], Iterator[Page]]


@dataclass(frozen=True)
class Stream:
    name: str  # the store's key: "incidents", "services", ...
    kind: StreamKind
    reader: Any  # an IncrementalReader or a SnapshotReader, as ``kind`` says
    # The stream whose failure fails the run and whose 401/403 puts the connection in Error
    # (incidents); any other stream's failure is that stream's, and the others go on.
    decides_status: bool = False
    # A details stream: at most this many records' details are read in one run.
    per_run: int = 0
    # What the credentials need to read it, said when they may not ("" : nothing to add).
    needs: str = ""
    # An incremental stream whose reader is a ChangesReader: a scheduled run reads what changed
    # since the watermark instead of every open record.
    by_update: bool = False

    @property
    def label(self) -> str:
        return stream_label(self.name)


# Labels a provider package gives its own streams where the name alone reads wrong
# (a provider's name spelled as it spells it, not capitalized whole): filled when it is loaded.
STREAM_LABELS: dict[str, str] = {}


def register_stream_labels(labels: dict[str, str]) -> None:
    STREAM_LABELS.update(labels)


def stream_label(name: str) -> str:
    """A stream's name as people read it: "on_call_schedules" → "On call schedules", or the
    label its provider registered."""
    return STREAM_LABELS.get(name) or name.replace("_", " ").capitalize()


def stream_noun(name: str) -> str:
    """The label inside a sentence: "on call schedules"; a registered one as spelled."""
    return STREAM_LABELS.get(name) or stream_label(name).lower()


def incremental(name: str, reader: IncrementalReader, *, decides_status: bool = False) -> Stream:
    return Stream(name, StreamKind.INCREMENTAL, reader, decides_status)


def incremental_by_update(name: str, reader: ChangesReader) -> Stream:
    return Stream(name, StreamKind.INCREMENTAL, reader, by_update=True)


def snapshot(name: str, reader: SnapshotReader, *, needs: str = "") -> Stream:
    return Stream(name, StreamKind.SNAPSHOT, reader, needs=needs)


def details(name: str, reader: Callable[[str], Any], *, per_run: int) -> Stream:
    """``reader(upstream_id)``: the details of one record (see integrations.sync.details)."""
    return Stream(name, StreamKind.DETAILS, reader, per_run=per_run)


class ServicesAndIncidentsSource:
    """The shape both providers' sources share today: one client, whose calls the run counts;
    the services read first (a snapshot), then the incidents (incremental, deciding the run).
    A subclass provides ``services()`` and the IncrementalReader methods."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def counted(
        self, *, stats: Any, sleep: Callable[[float], None] | None
    ) -> ServicesAndIncidentsSource:
        """Count this source's calls in the run's ``stats``; ``sleep`` replaces real waits."""
        self.client.session.stats = stats
        if sleep is not None:
            self.client.session.sleep = sleep
        return self

    def streams(self) -> list[Stream]:
        return [
            snapshot("services", self.services),
            incremental("incidents", self, decides_status=True),  # type: ignore[arg-type]
        ]

    def services(self) -> Iterator[Page]:
        raise NotImplementedError

    def close(self) -> None:
        self.client.close()
