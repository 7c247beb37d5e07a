"""What an app contributes to the evidence export (PRODUCT 8): plain descriptions of its files.

Each app lists its files as ``FILES`` in its own ``evidence`` module; the evidence app finds
those modules and writes the ZIP. This module sits below every app, so a domain app (or the
integrations layer) describes its files without importing the export above it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import IO, TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

DEFAULT_PERIOD_DAYS = 90

Row = Sequence[object]


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in the site's time zone."""

    start: date
    end: date

    @classmethod
    def default(cls, *, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(start=today - timedelta(days=DEFAULT_PERIOD_DAYS - 1), end=today)

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """The first instant after the period (exclusive bound)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def filename(self) -> str:
        return f"evidence-{self.start.isoformat()}-to-{self.end.isoformat()}.zip"


@dataclass(frozen=True)
class Attachment:
    """A stored file that goes into the ZIP beside a CSV that refers to it."""

    key: object  # what the CSV's rows know it by, e.g. the special case's id
    path: str  # where it goes in the ZIP
    open: Callable[[], IO[bytes]]  # raises OSError when storage no longer has it


@dataclass(frozen=True)
class Export:
    """What a file's rows may depend on."""

    period: Period
    now: datetime  # the generation time: files of current state (failing items) read it
    # This file's attachments: key → path in the ZIP, or None when storage no longer has it.
    attachments: Mapping[object, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    # What the file holds, in a sentence: shown on the export page and in the manifest.
    description: str
    header: Sequence[str]
    rows: Callable[[Export], Iterable[Row]]
    # Where the file comes in the ZIP's manifest, across every app's files (gaps of 10).
    order: int
    attachments: Callable[[Period], Iterable[Attachment]] | None = None
    # Facts the manifest's entry for this file adds (e.g. each access review's snapshot SHA-256).
    manifest: Callable[[Export], Mapping[str, object]] | None = None


def username(user: AbstractBaseUser | None) -> str:
    return user.get_username() if user is not None else ""
