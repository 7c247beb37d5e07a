"""Plain records of what hangs off one upstream incident (its notes, activity log and timeline),
which a provider's incident details reader yields and the incidents app stores, in canonical
fields whatever the provider. Text is untrusted, kept as given (bounded)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.conf import settings

# The stream's name on the sync engine (both providers read it; the incidents app stores it).
INCIDENT_DETAILS = "incident_details"

# At most this many incidents have their notes, logs and timeline read in one run, oldest
# waiting first: at two or three calls an incident, 200 are ~600 calls, about what the rest of
# a scheduled run costs at most, and well inside both providers' per-minute limits. A backlog
# (the first sync of thousands of incidents) is read over the runs after it.
INCIDENTS_PER_RUN = 200

# The incidents app's column sizes: what the text is cut to.
MAX_KEY = 100
MAX_AUTHOR = 255
MAX_TYPE = 100
MAX_TEXT = 25_000


def incidents_per_run() -> int:
    """The bound: INCIDENTS_PER_RUN, unless the settings say otherwise (the tests' do)."""
    return int(getattr(settings, "INCIDENT_DETAILS_PER_RUN", INCIDENTS_PER_RUN))


class EntryKind(StrEnum):
    NOTE = "note"  # what people wrote on the incident
    LOG = "log"  # the activity log upstream writes itself
    TIMELINE = "timeline"  # OpsGenie's incident timeline (v2): lifecycle and custom entries


@dataclass(frozen=True)
class IncidentEntry:
    kind: EntryKind
    key: str  # upstream's key for the entry: unique within the incident and kind
    author: str
    at: datetime | None
    text: str
    type: str = ""  # upstream's own type of the entry ("annotate_log_entry", "IncidentCreated")
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class IncidentDetailsRecord:
    """Everything read for one incident. ``found`` False: upstream no longer has the incident
    (404), so there is nothing to read and nothing stored is changed."""

    upstream_id: str
    found: bool
    entries: tuple[IncidentEntry, ...] = ()


def bounded(value: Any, limit: int) -> str:
    """Upstream text as a string of at most ``limit`` characters ("" for anything else)."""
    return value[:limit] if isinstance(value, str) else ""
