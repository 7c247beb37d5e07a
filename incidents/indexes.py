"""The incident table's unique constraint and indexes (``Incident.Meta``), each beside the
query it serves: kept apart from the fields so that incidents/models.py reads in one sitting."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from incidents.ordering import (
    PRIORITY_HIGH_FIRST,
    PRIORITY_LOW_FIRST,
    STATUS_CLOSED_FIRST,
    STATUS_OPEN_FIRST,
)

INCIDENT_CONSTRAINTS = [
    models.UniqueConstraint(
        fields=["connection", "upstream_id"], name="incident_unique_per_connection"
    )
]
INCIDENT_INDEXES = [
    models.Index(fields=["-created_at", "-id"], name="incident_newest"),
    models.Index(fields=["connection", "status"], name="incident_conn_status"),
    models.Index(fields=["connection", "created_at"], name="incident_conn_created"),
    # The incident list's filters and sorts (incidents/selectors.py): each filter keeps
    # the newest-first order from its index, and each sort walks an index, id only.
    models.Index(fields=["status", "created_at", "id"], name="incident_status_created"),
    # Triage's usual pair ("open, High") counted from the index alone.
    models.Index(
        fields=["status", "priority", "created_at", "id"], name="incident_status_priority"
    ),
    models.Index(fields=["priority", "created_at", "id"], name="incident_priority_created"),
    models.Index(fields=["source", "created_at", "id"], name="incident_source_created"),
    models.Index(
        models.functions.Length("number"),
        "number",
        "id",
        name="incident_number_order",
    ),
    # The list's search matches the number exactly, beside the text (issue 14).
    models.Index(fields=["number"], name="incident_number"),
    # The priority and status orders (incidents/ordering.py), one index per direction.
    # The ranked column comes last so that PostgreSQL reads a page, even a deep one
    # reached by its number, from the index alone (without it: 4.5 s for page 1,500
    # of 1,000,000, instead of 20 ms).
    *(
        models.Index(rank, "created_at", "id", rank.column, name=name)
        for rank, name in (
            (PRIORITY_HIGH_FIRST, "incident_priority_high_first"),
            (PRIORITY_LOW_FIRST, "incident_priority_low_first"),
            (STATUS_OPEN_FIRST, "incident_status_open_first"),
            (STATUS_CLOSED_FIRST, "incident_status_closed_first"),
        )
    ),
    # A few thousand incidents named by id (failing a rare check, a data-loss answer)
    # put in the newest-first order from the index alone: PostgreSQL skips fetching
    # each incident's row for its date (32 ms instead of 102 for 4,962 of 1,000,000).
    models.Index(fields=["id", "created_at"], name="incident_id_created"),
    # Rare rows the list filters on: found from small partial indexes instead of
    # reading every incident to find none.
    models.Index(
        fields=["created_at", "id"],
        condition=~Q(data_loss_mention=""),
        name="incident_loss_reported",
    ),
    models.Index(
        fields=["created_at", "id"],
        condition=Q(deleted_upstream=True) | Q(out_of_scope=True) | Q(superseded_by__isnull=False),
        name="incident_evidence_only",
    ),
    # The few records a move superseded, by the record that superseded them (a foreign key's
    # own index holds every incident, nearly all NULL there, and SQLite chose it for
    # "superseded_by IS NULL": the counted incidents read in its order and sorted, 121 ms
    # at 100,000 instead of 14).
    models.Index(
        fields=["superseded_by"],
        condition=Q(superseded_by__isnull=False),
        name="incident_superseded_by",
    ),
    # The dashboard's open incidents by age, counted at every view (their ages change
    # by the minute): read from this index alone, 30,000 open of 1,000,000 in ~15 ms
    # on PostgreSQL instead of ~110 ms through the table.
    models.Index(
        fields=["connection", "priority", "created_at"],
        condition=Q(
            status="open", deleted_upstream=False, out_of_scope=False, superseded_by__isnull=True
        ),
        name="incident_open_counted",
    ),
    # The incidents whose notes, log and timeline wait to be read, oldest waiting first.
    models.Index(
        fields=["connection", "entries_wanted_at", "id"],
        condition=Q(entries_wanted_at__isnull=False),
        name="incident_entries_wanted",
    ),
]
