"""``incident_entries.csv`` in the evidence export: the notes, activity log and timeline entries
(IncidentEntry) of the incidents created in the period, as the incident details stream last read
them, those no longer listed upstream included with the date they were found gone. Listed in
``incidents.evidence.FILES``."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import F

from incidents.entry_models import IncidentEntry
from lib.evidence_files import EvidenceFile, Export, Row

INCIDENT_ENTRIES_HEADER = (
    "incident_id",
    "incident_source",
    "incident_upstream_id",
    "incident_number",
    "kind",
    "entry_key",
    "type",
    "author",
    "at",
    "text",
    "first_synced_at",
    "removed_upstream",
    "removed_upstream_at",
)


def incident_entry_rows(export: Export) -> Iterator[Row]:
    """In the incidents' order (as incidents.csv), each incident's entries oldest first."""
    period = export.period
    entries = (
        IncidentEntry.objects.filter(
            incident__created_at__gte=period.since, incident__created_at__lt=period.until
        )
        .select_related("incident")
        .only(
            "kind",
            "key",
            "type",
            "author",
            "at",
            "text",
            "first_seen_at",
            "removed_upstream_at",
            "incident__source",
            "incident__upstream_id",
            "incident__number",
            "incident__created_at",
        )
        .order_by("incident__created_at", "incident_id", F("at").asc(nulls_first=True), "id")
    )
    for entry in entries.iterator(chunk_size=2000):
        incident = entry.incident
        yield (
            incident.pk,
            incident.source,
            incident.upstream_id,
            incident.number,
            entry.get_kind_display(),
            entry.key,
            entry.type,
            entry.author,
            entry.at,
            entry.text,
            entry.first_seen_at,
            entry.removed_upstream_at is not None,
            entry.removed_upstream_at,
        )


INCIDENT_ENTRIES_FILE = EvidenceFile(
    name="incident_entries.csv",
    description="Notes, activity log and timeline entries of the incidents created in the "
    "period, as last synced: kind, author, when, text; those no longer listed upstream marked "
    "with the date they were found gone.",
    header=INCIDENT_ENTRIES_HEADER,
    rows=incident_entry_rows,
    order=15,
)
