from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords

from incidents.data_loss import find_mention
from incidents.entry_models import IncidentEntry  # noqa: F401  (the app's models, kept apart)
from incidents.indexes import INCIDENT_CONSTRAINTS, INCIDENT_INDEXES
from incidents.match_models import IncidentMatch  # noqa: F401  (the app's models, kept apart)
from integrations.models import Connection, ConnectionStatus
from integrations.providers.registry import provider_name
from integrations.records import IncidentStatus, Priority, parse_upstream_time
from lib.concurrency import Versioned
from lib.search import FoldedTextField
from lib.settings_row import SettingsRow

# Incidents that count (PRODUCT 5): of a source still connected (or in error), of a service the
# admin chose, not deleted upstream. Everything else is kept as evidence and counted by nothing.
# An incident recorded by both sides of a move (incidents/moves.py) counts once: by the
# successor's record; the predecessor's points at it (superseded_by) and is evidence only.
_COUNTS = Q(deleted_upstream=False, out_of_scope=False, superseded_by__isnull=True) & ~Q(
    connection__status=ConnectionStatus.DISCONNECTED
)


class IncidentQuerySet(models.QuerySet):
    def counted(self) -> IncidentQuerySet:
        """The one definition of the incidents that count: the checks, the dashboard, the
        incident list's "Counts for checks" filter and the sync card all ask this."""
        return self.filter(_COUNTS)

    def not_counted(self) -> IncidentQuerySet:
        """Out of scope, deleted upstream, recorded again by the source it moved to, or of a
        disconnected source: evidence only.

        Exactly what ``counted()`` leaves out, written as alternatives that an index answers
        each (incident_evidence_only, and the connection's), so that PostgreSQL finds the few
        such incidents among a million without reading the others. The disconnected
        connections are read first (one small query): as a subquery, PostgreSQL could not
        tell how many incidents they hold, and read all 1,000,000 to find none."""
        disconnected = Connection.objects.filter(status=ConnectionStatus.DISCONNECTED)
        return self.filter(
            Q(deleted_upstream=True)
            | Q(out_of_scope=True)
            | Q(superseded_by__isnull=False)
            | Q(connection__in=list(disconnected.values_list("pk", flat=True)))
        )


UNKNOWN_PRIORITY_AS = Priority.MEDIUM.value


class ResolvedAtSource(models.TextChoices):
    """Where an incident's resolution time comes from (PRODUCT 5: the SLA check shows it)."""

    UPSTREAM = "upstream", "the source's own resolution time"
    # A sync saw it open, a later one saw it resolved: resolved at the latest by then.
    SYNC = "sync", "the first sync that saw it resolved"
    NONE = "", "unknown"


class Incident(models.Model):
    """A canonical incident (PRODUCT 3.5), one row per (connection, upstream id).

    Rows are rewritten only when ``content_hash`` (of every synced field) changes, so a sync that
    finds nothing new writes nothing, and ``changed_at`` says when we last saw a real change.
    """

    connection = models.ForeignKey(
        Connection,
        on_delete=models.PROTECT,
        related_name="incidents",
        # Every index that starts with the connection serves its lookups (the unique
        # constraint, incident_conn_created, incident_conn_status): its own was one more index
        # for each synced row to enter (a twentieth of a first sync's COPY on PostgreSQL).
        db_index=False,
    )
    source = models.CharField(
        max_length=40, help_text="The slug of the registered provider it came from."
    )
    upstream_id = models.CharField(max_length=100)
    number = models.CharField(max_length=32, blank=True)
    title = models.TextField()
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=[(s.value, s.value.title()) for s in IncidentStatus]
    )
    raw_status = models.CharField(max_length=40, blank=True)
    priority = models.CharField(
        max_length=10,
        blank=True,
        choices=[(p.value, p.name.title() if p.value else "Unknown") for p in Priority],
    )
    raw_priority = models.CharField(max_length=40, blank=True)
    services = models.JSONField(default=list, blank=True)
    service_ids = models.JSONField(default=list, blank=True)
    # None of its services is among those its connection's admin chose: kept as evidence, but
    # not counted by the checks and not re-read by syncs (see incidents/scope.py).
    out_of_scope = models.BooleanField(default=False)
    created_at = models.DateTimeField(help_text="When the incident was created upstream.")
    updated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_at_source = models.CharField(
        "Resolution time from",
        max_length=10,
        choices=ResolvedAtSource.choices,
        blank=True,
        default=ResolvedAtSource.NONE,
    )
    impact_start = models.DateTimeField(null=True, blank=True)
    impact_end = models.DateTimeField(null=True, blank=True)
    upstream_url = models.URLField(max_length=500, blank=True)
    # What the same incident is called in another tool, as its source recorded it ({name:
    # value}, e.g. the tiny id it had before a move between providers): what the move matches.
    external_refs = models.JSONField(default=dict, blank=True)
    # The upstream text that reports data loss (incidents/data_loss.py), "" when none does.
    data_loss_mention = models.CharField(max_length=200, blank=True, default="")
    # What of it its notes or timeline said (incidents/entry_store.py): kept apart, so that a
    # sync rewriting the title and description never forgets a mention found in a note.
    notes_mention = models.CharField(max_length=200, blank=True, default="")
    # Its notes, log and timeline (IncidentEntry): set when a sync creates or changes the
    # incident (it waits for them to be read, oldest first, a bounded number a run), cleared
    # once they are read.
    entries_wanted_at = models.DateTimeField(null=True, blank=True)
    entries_read_at = models.DateTimeField(null=True, blank=True)
    # The same incident as recorded by the connection this one's source moved to: that record
    # represents it (counted), this one is kept as evidence. Set when the move matches them
    # (incidents/moves.py), at a sync or by an admin; never by the incident's own sync.
    superseded_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moved_records",
        verbose_name="Same incident as",
        db_index=False,  # incident_superseded_by (indexes.py): the few set, not every NULL
    )
    deleted_upstream = models.BooleanField(default=False)
    deleted_upstream_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    # A sync told the notification channels it is new (incidents/store.py): its resolution
    # closes that alert. Incidents of a first sync, or created long before, never were.
    announced = models.BooleanField(default=False)
    first_synced_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField()
    # Title and description, casefolded without accents: what the list's search reads, so
    # "zurich" finds "Zürich" on SQLite and PostgreSQL alike (lib/search.py).
    search_text = FoldedTextField(sources=("title", "description"))

    objects = IncidentQuerySet.as_manager()

    class Meta:
        constraints = INCIDENT_CONSTRAINTS
        indexes = INCIDENT_INDEXES

    def __str__(self) -> str:
        return f"{self.source} #{self.number}: {self.title[:60]}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        # The sync's bulk writes set it too (incidents/store.py): every row agrees with its text.
        self.data_loss_mention = find_mention(self.title, self.description) or self.notes_mention
        super().save(*args, **kwargs)

    @property
    def not_counted_because(self) -> list[str]:
        """Why the checks do not count this incident, in words; empty when they do. The same
        three conditions as ``counted()`` (a test holds the two together)."""
        reasons = []
        if self.out_of_scope:
            reasons.append("its service is not chosen")
        if self.deleted_upstream:
            reasons.append("deleted upstream")
        if self.connection.status == ConnectionStatus.DISCONNECTED:
            reasons.append("its source is disconnected")
        if self.superseded_by_id is not None:
            reasons.append("the source it moved to records the same incident, which counts")
        return reasons

    @property
    def source_label(self) -> str:
        return provider_name(self.source)


class DataLost(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_ASSESSED = "not_assessed", "Not assessed"


DATA_CATEGORIES = (
    ("personal", "Personal data"),
    ("financial", "Financial"),
    ("credentials", "Credentials"),
    ("health", "Health"),
    ("confidential", "Confidential business"),
    ("other", "Other"),
)
# (field prefix, label) of each stakeholder group that may have to be told.
STAKEHOLDERS = (
    ("customers", "Customers"),
    ("regulators", "Regulators / authority"),
    ("management", "Management"),
    ("dpo", "Data protection officer"),
    ("other", "Other"),
)


class DataLossReport(Versioned):
    """What staff know about data lost or exposed in an incident (PRODUCT 4).

    Every save is kept by django-simple-history (who, when, before → after); two people saving
    at once never lose a change silently (lib/concurrency.py). The version is bookkeeping, not
    a change anyone made: the history leaves it out."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="data_loss")
    data_lost = models.CharField(
        "Was data lost or exposed?",
        max_length=20,
        choices=DataLost.choices,
        default=DataLost.NOT_ASSESSED,
    )
    what_happened = models.TextField("What happened", blank=True)
    categories = models.JSONField("Data categories", default=list, blank=True)
    records_affected = models.PositiveBigIntegerField(
        "Approximate records affected", null=True, blank=True
    )
    people_affected = models.PositiveBigIntegerField(
        "Approximate people affected", null=True, blank=True
    )
    customers_notified_on = models.DateField("Customers notified on", null=True, blank=True)
    regulators_notified_on = models.DateField(
        "Regulators / authority notified on", null=True, blank=True
    )
    management_notified_on = models.DateField("Management notified on", null=True, blank=True)
    dpo_notified_on = models.DateField("Data protection officer notified on", null=True, blank=True)
    other_notified_on = models.DateField("Others notified on", null=True, blank=True)
    no_loss_explanation = models.TextField(
        "Why no data was lost",
        blank=True,
        help_text="Who assessed it and how: required when the source reports data loss.",
    )
    reference_notes = models.TextField("Reference notes", blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        indexes = [models.Index(fields=["data_lost"], name="dataloss_status")]

    def __str__(self) -> str:
        return f"Data loss report of {self.incident}"

    @property
    def category_labels(self) -> list[str]:
        """The data categories as people read them ("Personal data", not "personal")."""
        labels = dict(DATA_CATEGORIES)
        return [labels.get(code, code) for code in self.categories]

    @property
    def settles_mention(self) -> bool:
        """Whether this report answers a source's report of data loss: Yes (judged on its
        details by the check) or No with who assessed it and why."""
        if self.data_lost == DataLost.YES:
            return True
        return self.data_lost == DataLost.NO and bool(self.no_loss_explanation.strip())

    @property
    def notified(self) -> list[tuple[str, object]]:
        return [
            (label, getattr(self, f"{key}_notified_on"))
            for key, label in STAKEHOLDERS
            if getattr(self, f"{key}_notified_on")
        ]

    def missing_details(self) -> list[str]:
        """What a Yes report still lacks (the data-loss check's reasons)."""
        missing = []
        if not self.what_happened.strip():
            missing.append("what happened")
        if not self.categories:
            missing.append("data categories")
        if self.records_affected is None and self.people_affected is None:
            missing.append("records or people affected")
        if not self.notified:
            missing.append("a stakeholder notification")
        return missing


class IncidentPolicy(SettingsRow):
    """The admin's SLA per priority and the incident checks' options (one row)."""

    high_sla_hours = models.PositiveIntegerField("High priority SLA (hours)", default=24)
    medium_sla_hours = models.PositiveIntegerField("Medium priority SLA (hours)", default=72)
    low_sla_hours = models.PositiveIntegerField("Low priority SLA (hours)", default=168)
    close_check_uses_sla = models.BooleanField(
        "“Reported incident should be closed” fails only when open longer than its SLA",
        default=False,
    )
    assess_resolved_high = models.BooleanField(
        "“Data loss information” also fails for resolved High incidents not assessed",
        default=False,
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return "Incident policy"

    def sla(self, priority: str) -> timedelta:
        """The SLA of a priority; an incident without one is held to the Medium SLA."""
        hours = self.sla_hours()
        return timedelta(hours=hours.get(priority) or hours[UNKNOWN_PRIORITY_AS])

    def sla_hours(self) -> dict[str, int]:
        return {
            Priority.HIGH.value: self.high_sla_hours,
            Priority.MEDIUM.value: self.medium_sla_hours,
            Priority.LOW.value: self.low_sla_hours,
        }


class IncidentChange(models.Model):
    """A field of an incident that a sync found changed upstream (status, priority, ...), or
    its deletion upstream: the incident's own change history."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField()
    field = models.CharField(max_length=40)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["incident", "-at"], name="incidentchange_newest")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.field}: {self.before} → {self.after}"

    @property
    def field_label(self) -> str:
        """The field as the incident page names it ("Impact end", not "impact_end")."""
        try:
            return str(Incident._meta.get_field(self.field).verbose_name).capitalize()
        except FieldDoesNotExist:
            return self.field.replace("_", " ").capitalize()

    @property
    def before_display(self) -> str:
        return _display(self.before)

    @property
    def after_display(self) -> str:
        return _display(self.after)


def _display(value: str) -> str:
    """A stored value as people read it: a time in the app's date format, text as it is."""
    moment = parse_upstream_time(value)
    if moment is None:
        return value
    return date_format(timezone.localtime(moment), "j M Y, H:i:s e")
