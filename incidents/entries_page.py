"""What the incident page shows of its notes, activity log and timeline (IncidentEntry): the
newest first, a bounded number, in a fixed number of queries; and, while they are not read (or
changed since), how many incidents wait before the next read and the bound a sync has."""

from __future__ import annotations

from incidents.entry_models import IncidentEntry
from incidents.entry_store import IncidentDetailsStore, waiting
from incidents.models import Incident
from integrations.incident_entry_records import INCIDENT_DETAILS
from integrations.models import SyncRun
from integrations.moves import moved_before_read, reading_after_move
from integrations.sync.details import Backlog, backlog

SHOWN = 500  # the newest this many entries; the count says how many more there are


def entries_backlog(connection_id: int) -> Backlog:
    """The incidents of the connection waiting for their entries, and the last bound."""
    runs = SyncRun.objects.filter(connection_id=connection_id)
    return backlog(
        waiting(connection_id), runs, INCIDENT_DETAILS, marker=IncidentDetailsStore.marker
    )


def not_read_because(incident: Incident) -> str:
    """Why an incident's entries were never read and are not waiting, in words."""
    if incident.deleted_upstream:
        return "the incident was gone upstream before they could be"
    if incident.out_of_scope:
        return "its service is not among those chosen"
    if incident.connection.has_moved and not incident.connection.reads_details_only:
        return moved_before_read(incident.connection)
    return "no sync has asked for them yet"


def incident_entries(incident: Incident) -> dict[str, object]:
    read = incident.entries_read_at is not None
    waiting = (
        incident.entries_wanted_at is not None
        and not incident.deleted_upstream
        and not incident.out_of_scope
        # A moved connection's syncs read them only while it still answers.
        and (not incident.connection.has_moved or incident.connection.reads_details_only)
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
        "entries_after_move": reading_after_move(incident.connection) if waiting else "",
    }
