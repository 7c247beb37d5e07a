"""What the incident page shows of its notes, activity log and timeline (IncidentEntry): the
newest first, a bounded number, in a fixed number of queries; and, while they are not read (or
changed since), how many incidents wait before the next read and the bound a sync has."""

from __future__ import annotations

from dataclasses import dataclass

from incidents.entry_models import IncidentEntry
from incidents.models import Incident
from integrations.incident_entry_records import INCIDENT_DETAILS
from integrations.models import SyncRun

SHOWN = 500  # the newest this many entries; the count says how many more there are
# The waiting incidents are counted up to this many ("more than 1,000"): every incident page
# asks, and a connection whose whole history waits (1,000,000 incidents after the upgrade that
# added these streams) cost a full count, 350 ms, per page.
WAITING_COUNTED = 1000


@dataclass(frozen=True)
class Backlog:
    waiting: int  # incidents of the connection whose entries a sync has still to read
    per_run: int | None  # the bound the last sync that read them had (None: none did yet)
    more: bool = False  # more than ``waiting`` (WAITING_COUNTED) wait

    @property
    def counted(self) -> str:
        return f"more than {self.waiting:,}" if self.more else f"{self.waiting:,}"


def entries_backlog(connection_id: int) -> Backlog:
    """Two queries: the incidents waiting, and the bound of the connection's last read."""
    waiting = (
        Incident.objects.filter(
            connection_id=connection_id,
            entries_wanted_at__isnull=False,
            deleted_upstream=False,
            out_of_scope=False,
        )
        .values("pk")[: WAITING_COUNTED + 1]
        .count()
    )
    runs = SyncRun.objects.filter(connection_id=connection_id, counts__has_key=INCIDENT_DETAILS)
    last = runs.order_by("-started_at", "-id").values_list("counts", flat=True).first()
    stream = last.get(INCIDENT_DETAILS) if isinstance(last, dict) else None
    per_run = stream.get("per_run") if isinstance(stream, dict) else None
    return Backlog(
        waiting=min(waiting, WAITING_COUNTED),
        per_run=per_run if isinstance(per_run, int) else None,
        more=waiting > WAITING_COUNTED,
    )


def not_read_because(incident: Incident) -> str:
    """Why an incident's entries were never read and are not waiting, in words."""
    if incident.deleted_upstream:
        return "the incident was gone upstream before they could be"
    if incident.out_of_scope:
        return "its service is not among those chosen"
    return "no sync has asked for them yet"


def incident_entries(incident: Incident) -> dict[str, object]:
    read = incident.entries_read_at is not None
    waiting = (
        incident.entries_wanted_at is not None
        and not incident.deleted_upstream
        and not incident.out_of_scope
    )
    rows = IncidentEntry.objects.filter(incident=incident)
    entries = list(rows.order_by("-at", "-id")[:SHOWN]) if read else []
    return {
        "entries": entries,
        "entries_more": rows.count() - SHOWN if read and len(entries) == SHOWN else 0,
        "entries_read": read,
        "entries_waiting": waiting,
        "entries_off": not incident.connection.stream_is_on(INCIDENT_DETAILS),
        "entries_not_read_because": "" if read or waiting else not_read_because(incident),
        "entries_backlog": entries_backlog(incident.connection_id) if waiting else None,
    }
