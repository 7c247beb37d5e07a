"""The incidents' files in the evidence export: the incidents of the period (their notes, log and
timeline entries: entry_evidence.py), their data-loss reports with every saved change, the
changes syncs found upstream, and the SLA policy in force."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from typing import Any

from django.db.models import Count, Q, QuerySet

from incidents.entry_evidence import INCIDENT_ENTRIES_FILE
from incidents.models import (
    DATA_CATEGORIES,
    DataLossReport,
    DataLost,
    Incident,
    IncidentChange,
    IncidentPolicy,
)
from incidents.store import SYNCED_FIELDS
from integrations.models import Connection
from integrations.providers.registry import provider_name
from lib.evidence_files import EvidenceFile, Export, Row, username

# --- incidents.csv -------------------------------------------------------------------------

# Every canonical field the sync stores, so a field added there reaches the evidence too.
INCIDENT_HEADER = (
    "incident_id",
    "source",
    "upstream_id",
    *SYNCED_FIELDS,
    "resolution_time_from",
    "data_loss_reported_upstream",
    "deleted_upstream",
    "deleted_upstream_at",
    "out_of_scope",
    "first_synced_at",
    "last_changed_at",
    "data_lost",
    # Which connection it came from, and the record that counts for it after a move.
    "connection_id",
    "same_incident_as",
)


def incident_rows(export: Export) -> Iterator[Row]:
    period = export.period
    incidents = (
        Incident.objects.filter(created_at__gte=period.since, created_at__lt=period.until)
        .select_related("data_loss")
        .order_by("created_at", "id")
    )
    for incident in incidents.iterator(chunk_size=2000):
        report = getattr(incident, "data_loss", None)
        yield (
            incident.pk,
            incident.source,
            incident.upstream_id,
            *(_incident_value(incident, name) for name in SYNCED_FIELDS),
            incident.get_resolved_at_source_display() if incident.resolved_at else "",
            incident.data_loss_mention,
            incident.deleted_upstream,
            incident.deleted_upstream_at,
            incident.out_of_scope,
            incident.first_synced_at,
            incident.changed_at,
            report.get_data_lost_display() if report else "Not assessed (no report)",
            incident.connection_id,
            incident.superseded_by_id or "",
        )


def incident_sources(export: Export) -> dict[str, object]:
    """The manifest's word on where incidents.csv's rows come from: each source (connection and
    provider, by ``connection_id`` and ``source``), and each move between two of them, with when
    it took effect; an incident both recorded names the one that counts (``same_incident_as``)."""
    connections = Connection.objects.select_related("moved_to").order_by("pk")
    # One grouped count for every connection (not two counts per connection).
    counts: dict[int, tuple[int, int]] = {
        pk: (held, both)
        for pk, held, both in _in_period(export)
        .values_list("connection_id")
        .annotate(held=Count("id"), both=Count("id", filter=Q(superseded_by__isnull=False)))
        .values_list("connection_id", "held", "both")
    }
    sources = [
        {
            "connection_id": c.pk,
            "provider": c.provider,
            "name": provider_name(c.provider),
            # A move in effect reads as such, as connections.csv and the pages say it.
            "status": "moved" if c.is_active and c.has_moved else c.status,
            "incidents_in_period": counts.get(c.pk, (0, 0))[0],
        }
        for c in connections
    ]
    moves = [
        {
            "from_connection_id": c.pk,
            "from_provider": c.provider,
            "to_connection_id": c.moved_to_id,
            "to_provider": c.moved_to.provider,
            "stops_syncing_on": c.moved_on.isoformat() if c.moved_on else None,
            "stopped_answering_at": (
                c.stopped_answering_at.astimezone(UTC).isoformat()
                if c.stopped_answering_at
                else None
            ),
            "in_effect": c.has_moved,
            "incidents_in_period_recorded_by_both": counts.get(c.pk, (0, 0))[1],
        }
        for c in connections
        if c.moved_to is not None
    ]
    return {"sources": sources, "moves": moves}


def _in_period(export: Export) -> QuerySet[Incident]:
    period = export.period
    return Incident.objects.filter(created_at__gte=period.since, created_at__lt=period.until)


def _incident_value(incident: Incident, name: str) -> object:
    # The priority reads as people say it ("High"); raw_priority keeps the upstream's value.
    if name == "priority":
        return incident.get_priority_display()
    return getattr(incident, name)


# --- data_loss_reports.csv and data_loss_history.csv ---------------------------------------

DATA_LOSS_HEADER = (
    "report_id",
    "incident_id",
    "incident_source",
    "incident_number",
    "incident_title",
    "data_lost",
    "what_happened",
    "why_no_data_was_lost",
    "categories",
    "records_affected",
    "people_affected",
    "customers_notified_on",
    "regulators_notified_on",
    "management_notified_on",
    "dpo_notified_on",
    "other_notified_on",
    "reference_notes",
    "last_updated_at",
)


def data_loss_rows(export: Export) -> Iterator[Row]:
    period = export.period
    reports = (
        DataLossReport.objects.filter(
            incident__created_at__gte=period.since, incident__created_at__lt=period.until
        )
        .select_related("incident")
        .order_by("incident__created_at", "id")
    )
    for report in reports.iterator(chunk_size=2000):
        yield (
            report.pk,
            report.incident_id,
            report.incident.source,
            report.incident.number,
            report.incident.title,
            report.get_data_lost_display(),
            report.what_happened,
            report.no_loss_explanation,
            "; ".join(report.category_labels),
            report.records_affected,
            report.people_affected,
            report.customers_notified_on,
            report.regulators_notified_on,
            report.management_notified_on,
            report.dpo_notified_on,
            report.other_notified_on,
            report.reference_notes,
            report.updated_at,
        )


DATA_LOSS_HISTORY_HEADER = (
    "report_id",
    "incident_id",
    "history_id",
    "changed_at",
    "changed_by",
    "change_type",
    "field",
    "field_label",
    "before",
    "after",
)
HISTORY_TYPES = {"+": "Created", "~": "Changed", "-": "Deleted"}
# updated_at changes on every save; history_date already says when.
HISTORY_IGNORED_FIELDS = ("id", "incident", "updated_at", "version")


CATEGORY_LABELS = dict(DATA_CATEGORIES)


def _history_value(name: str, value: Any) -> object:
    if name == "data_lost" and value:
        return DataLost(value).label if value in DataLost.values else value
    if name == "categories" and isinstance(value, list):
        return "; ".join(CATEGORY_LABELS.get(code, code) for code in value)
    return value


def data_loss_history_rows(export: Export) -> Iterator[Row]:
    """One row per changed field of every save (before → after); a save that changed nothing
    tracked still gets one row, so every historical record is accounted for."""
    period = export.period
    history = DataLossReport.history.model
    labels = {
        field.name: str(field.verbose_name)
        for field in DataLossReport._meta.concrete_fields
        if field.name not in HISTORY_IGNORED_FIELDS
    }
    order = {name: position for position, name in enumerate(labels)}
    records = (
        history.objects.filter(
            incident__created_at__gte=period.since, incident__created_at__lt=period.until
        )
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    previous = None
    for record in records.iterator(chunk_size=2000):
        if previous is not None and previous.id != record.id:
            previous = None
        head = (
            record.id,
            record.incident_id,
            record.history_id,
            record.history_date,
            username(record.history_user),
            HISTORY_TYPES.get(record.history_type, record.history_type),
        )
        if previous is None:
            # The first record (normally the creation): every field filled in is a change.
            changes = [
                (name, None, getattr(record, name))
                for name in labels
                if getattr(record, name) not in (None, "", [])
            ]
        else:
            delta = record.diff_against(previous, excluded_fields=HISTORY_IGNORED_FIELDS)
            # In the form's field order, not the diff's (which is arbitrary).
            changes = sorted(
                ((change.field, change.old, change.new) for change in delta.changes),
                key=lambda change: order.get(change[0], len(order)),
            )
        if not changes:
            yield (*head, "", "", "", "")
        for name, old, new in changes:
            yield (
                *head,
                name,
                labels.get(name, name),
                _history_value(name, old),
                _history_value(name, new),
            )
        previous = record


# --- incident_changes.csv ------------------------------------------------------------------

INCIDENT_CHANGES_HEADER = (
    "incident_id",
    "source",
    "number",
    "title",
    "seen_by_sync_at",
    "field",
    "before",
    "after",
)


def incident_change_rows(export: Export) -> Iterator[Row]:
    """Changes syncs found upstream (status, priority, dates, deletion) during the period."""
    period = export.period
    changes = (
        IncidentChange.objects.filter(at__gte=period.since, at__lt=period.until)
        .select_related("incident")
        .only(
            "at",
            "field",
            "before",
            "after",
            "incident__source",
            "incident__number",
            "incident__title",
        )
        .order_by("at", "id")
    )
    for change in changes.iterator(chunk_size=2000):
        incident = change.incident
        yield (
            incident.pk,
            incident.source,
            incident.number,
            incident.title,
            change.at,
            change.field,
            change.before,
            change.after,
        )


# --- sla_policy.csv: the version in force at the period start, then every change in it ------

POLICY_FIELDS = (
    "high_sla_hours",
    "medium_sla_hours",
    "low_sla_hours",
    "close_check_uses_sla",
    "assess_resolved_high",
)
SLA_POLICY_HEADER = ("in_force_from", "event", "changed_by", *POLICY_FIELDS, "changes")
POLICY_EVENTS = {"+": "Created", "~": "Changed", "-": "Deleted"}


def sla_policy_rows(export: Export) -> Iterator[Row]:
    period = export.period
    history = IncidentPolicy.history.select_related("history_user")
    at_start = (
        history.filter(history_date__lt=period.since).order_by("-history_date", "-history_id")
    ).first()
    previous: Any = at_start
    if at_start is not None:
        yield _policy_row(at_start, "In force at the period start", previous=None)
    else:
        # Nothing saved before the period: the defaults applied until the first save.
        defaults = IncidentPolicy()
        yield (
            None,
            "Defaults in force at the period start (never saved before)",
            "",
            *(getattr(defaults, name) for name in POLICY_FIELDS),
            "",
        )
    in_period = history.filter(
        history_date__gte=period.since, history_date__lt=period.until
    ).order_by("history_date", "history_id")
    for record in in_period:
        yield _policy_row(record, POLICY_EVENTS.get(record.history_type, ""), previous=previous)
        previous = record


def _policy_row(record: Any, event: str, *, previous: Any) -> Row:
    changes = [
        f"{IncidentPolicy._meta.get_field(name).verbose_name}: "
        f"{getattr(previous, name)} → {getattr(record, name)}"
        for name in POLICY_FIELDS
        if previous is not None and getattr(previous, name) != getattr(record, name)
    ]
    return (
        record.history_date,
        event,
        username(record.history_user) or "System",
        *(getattr(record, name) for name in POLICY_FIELDS),
        "\n".join(changes),
    )


FILES = [
    EvidenceFile(
        name="incidents.csv",
        description="Incidents created in the period: every synced field, source (provider and "
        "connection), upstream link, deleted-upstream and out-of-scope flags, data-loss status, "
        "and for an incident recorded again after a move the record that counts for it.",
        header=INCIDENT_HEADER,
        rows=incident_rows,
        manifest=incident_sources,
        order=10,
    ),
    INCIDENT_ENTRIES_FILE,
    EvidenceFile(
        name="data_loss_reports.csv",
        description="Data-loss reports of the period's incidents.",
        header=DATA_LOSS_HEADER,
        rows=data_loss_rows,
        order=50,
    ),
    EvidenceFile(
        name="data_loss_history.csv",
        description="Every saved change of those reports: when, who, and each changed field "
        "before and after.",
        header=DATA_LOSS_HISTORY_HEADER,
        rows=data_loss_history_rows,
        order=60,
    ),
    EvidenceFile(
        name="incident_changes.csv",
        description="Changes syncs found upstream in the period: status, priority, dates, "
        "deletion, each before and after.",
        header=INCIDENT_CHANGES_HEADER,
        rows=incident_change_rows,
        order=70,
    ),
    EvidenceFile(
        name="sla_policy.csv",
        description="The SLA policy in force at the period start and every change to it in the "
        "period: when, by whom, the SLA per priority and the checks' options, before → after.",
        header=SLA_POLICY_HEADER,
        rows=sla_policy_rows,
        order=110,
    ),
]
