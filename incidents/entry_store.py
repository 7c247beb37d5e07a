"""Store step of the incident details stream (integrations.sync.details): an incident's notes,
activity log and timeline, keyed by upstream's own keys, so reading them again writes only what
changed; an entry no longer listed is flagged, never deleted. Which incidents wait for theirs is
the incident's ``entries_wanted_at``.

Notes and timeline entries feed the data-loss flag (PRODUCT 4): one that reports data loss sets
the incident's ``notes_mention``, and so its ``data_loss_mention``, which the data-loss check
reads (the run then evaluates the checks: ``StreamCounts.judged``). A mention stays while any
stored note says it, also one removed upstream since: it was said, and the evidence keeps it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from incidents.checks import TOPIC
from incidents.data_loss import find_mention
from incidents.entry_models import IncidentEntry
from incidents.models import Incident
from integrations.incident_entry_records import EntryKind, IncidentDetailsRecord
from integrations.models import Connection
from integrations.sync import writes
from integrations.sync.details import WaitingQueue
from integrations.sync.stores import StreamCounts
from lib.checks import engine

FIELDS = ("type", "author", "at", "text", "raw")  # what a re-read compares and rewrites
# The entries people wrote, which may report data loss (the log is upstream's own wording).
SPOKEN = (EntryKind.NOTE.value, EntryKind.TIMELINE.value)


def waiting(connection: Connection | int) -> QuerySet[Incident]:
    """The incidents whose entries wait to be read: not gone upstream, of a chosen service."""
    return Incident.objects.filter(
        connection=connection,
        entries_wanted_at__isnull=False,
        deleted_upstream=False,
        out_of_scope=False,
    )


class IncidentDetailsStore(WaitingQueue):
    marker = "entries_wanted_at"

    def waiting(self, connection: Connection | int) -> QuerySet[Incident]:
        return waiting(connection)

    def save(
        self, *, connection: Connection, records: Sequence[IncidentDetailsRecord]
    ) -> StreamCounts:
        total = StreamCounts()
        for record in records:
            total.add(self._save_one(connection, record))
        return total

    def _save_one(self, connection: Connection, record: IncidentDetailsRecord) -> StreamCounts:
        now = timezone.now()
        counts = StreamCounts()
        with transaction.atomic():
            incident = (
                Incident.objects.filter(connection=connection, upstream_id=record.upstream_id)
                .only("id", "title", "description", "notes_mention", "data_loss_mention")
                .first()
            )
            if incident is None:
                return counts
            done: dict[str, object] = {"entries_wanted_at": None}
            if record.found:
                counts = _save_entries(incident, record, now)
                done["entries_read_at"] = now
                done.update(_mention(incident))
                if done.get("data_loss_mention", incident.data_loss_mention) != (
                    incident.data_loss_mention
                ):
                    # The data-loss check judges it again at this run's evaluation.
                    engine().changed(topic=TOPIC, item_ids=[incident.pk])
                    counts.judged = 1
            Incident.objects.filter(pk=incident.pk).update(**done)
        return counts


def _mention(incident: Incident) -> dict[str, str]:
    """The incident's mention fields as its stored notes and timeline now make them."""
    texts = IncidentEntry.objects.filter(incident=incident, kind__in=SPOKEN).order_by("at", "id")
    notes_mention = find_mention(*texts.values_list("text", flat=True))
    if notes_mention == incident.notes_mention:
        return {}
    mention = find_mention(incident.title, incident.description) or notes_mention
    return {"notes_mention": notes_mention, "data_loss_mention": mention}


def _save_entries(incident: Incident, record: IncidentDetailsRecord, now: datetime) -> StreamCounts:
    by_key = {(entry.kind.value, entry.key): entry for entry in record.entries}
    existing = {(row.kind, row.key): row for row in IncidentEntry.objects.filter(incident=incident)}
    to_create, to_update = [], []
    for key, entry in by_key.items():
        values = {name: getattr(entry, name) for name in FIELDS}
        row = existing.get(key)
        if row is None:
            to_create.append(
                IncidentEntry(
                    incident=incident, kind=key[0], key=key[1], first_seen_at=now, **values
                )
            )
        elif row.removed_upstream_at is not None or any(
            getattr(row, name) != value for name, value in values.items()
        ):
            for name, value in values.items():
                setattr(row, name, value)
            row.removed_upstream_at = None  # listed again: it was not removed after all
            to_update.append(row)
    gone = [
        row.pk for key, row in existing.items() if key not in by_key and not row.removed_upstream_at
    ]
    writes.insert_rows(IncidentEntry, to_create)
    writes.update_rows(IncidentEntry, to_update, (*FIELDS, "removed_upstream_at"))
    if gone:
        IncidentEntry.objects.filter(pk__in=gone).update(removed_upstream_at=now)
    counts = StreamCounts(fetched=len(record.entries), deleted=len(gone))
    return counts.settle(seen=len(by_key), created=len(to_create), updated=len(to_update))
