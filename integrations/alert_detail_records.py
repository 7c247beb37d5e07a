"""Plain records of what hangs off one upstream alert (its activity log, notes and recipients),
which a provider's details reader yields and the alerts app stores. Text is untrusted, kept as
given (bounded)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The alerts app's column sizes: what the text is cut to.
MAX_OFFSET_KEY = 100
MAX_NAME = 255
MAX_KIND = 50
MAX_TEXT = 25_000


@dataclass(frozen=True)
class AlertLogEntry:
    offset: str  # upstream's key for the entry: unique within the alert
    log: str
    type: str
    owner: str
    created_at: datetime | None


@dataclass(frozen=True)
class AlertNoteEntry:
    offset: str
    note: str
    owner: str
    created_at: datetime | None


@dataclass(frozen=True)
class AlertRecipientEntry:
    user_id: str  # unique within the alert
    username: str
    state: str
    method: str
    aware: bool
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class AlertDetailsRecord:
    """Everything read for one alert. ``found`` False: upstream no longer has the alert (404),
    so there is nothing to read and nothing stored is changed."""

    upstream_id: str
    found: bool
    logs: tuple[AlertLogEntry, ...] = ()
    notes: tuple[AlertNoteEntry, ...] = ()
    recipients: tuple[AlertRecipientEntry, ...] = ()

    @property
    def items(self) -> int:
        return len(self.logs) + len(self.notes) + len(self.recipients)
