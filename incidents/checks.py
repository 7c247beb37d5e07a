"""The incident checks (PRODUCT 5). Failing items are found with SQL filters; Python only
formats the reason of each failing row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache

from django.db.models import F, Q
from django.urls import reverse

from incidents.expressions import SecondsBetween
from incidents.models import DataLossReport, DataLost, Incident, IncidentPolicy
from integrations.models import Connection, ConnectionStatus
from integrations.providers.registry import providers
from integrations.records import IncidentStatus, Priority
from lib.checks import Check, FailingRow, register

TOPIC = "incidents"
CLOSED_KEY = "incident-closed"
DATA_LOSS_KEY = "incident-data-loss"
SLA_KEY = "incident-sla"
# An incident without a priority is held to the Medium SLA.
UNKNOWN_PRIORITY_AS = Priority.MEDIUM.value
LABELS = {"high": "High", "medium": "Medium", "low": "Low", "": "Unknown"}


def _checked_count() -> int:
    """The population every incident check looks at (evaluated once per evaluation)."""
    return Incident.objects.counted().count()


def _any_source() -> bool:
    return Connection.objects.exclude(status=ConnectionStatus.DISCONNECTED).exists()


def _sla(policy: IncidentPolicy, priority: str) -> timedelta:
    hours = policy.sla_hours()
    return timedelta(hours=hours.get(priority) or hours[UNKNOWN_PRIORITY_AS])


def _per_priority(policy: IncidentPolicy, make_q) -> Q:  # type: ignore[no-untyped-def]
    """One Q per priority, OR-ed: the SLA differs by priority."""
    combined = Q()
    for priority in ("high", "medium", "low", ""):
        combined |= Q(priority=priority) & make_q(_sla(policy, priority))
    return combined


def describe(delta: timedelta) -> str:
    days, seconds = delta.days, delta.seconds
    if days:
        return f"{days} d {seconds // 3600} h"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


def _row(prefix: str, pk: int, number: str, title: str, reason: str, source: str) -> FailingRow:
    name = _source_names().get(source, source)
    return FailingRow(
        f"incident:{pk}", f"#{number} {title}"[:300], f"{prefix}{pk}/", reason, source=name
    )


@cache
def _source_names() -> dict[str, str]:
    return {slug: provider.name for slug, provider in providers().items()}


def _detail_prefix() -> str:
    # reverse() once per evaluation, not once per failing incident (thousands at 100k).
    return reverse("incidents:detail", args=[0])[: -len("0/")]


def failing_open(now: datetime) -> Iterator[FailingRow]:
    prefix = _detail_prefix()
    policy = IncidentPolicy.current()
    open_incidents = Incident.objects.counted().filter(status=IncidentStatus.OPEN)
    if policy.close_check_uses_sla:
        open_incidents = open_incidents.filter(
            _per_priority(policy, lambda sla: Q(created_at__lt=now - sla))
        )
    rows = open_incidents.values_list("pk", "number", "title", "created_at", "priority", "source")
    for pk, number, title, created_at, priority, source in rows.iterator(chunk_size=2000):
        reason = f"Open for {describe(now - created_at)} (reported {created_at:%d %b %Y %H:%M} UTC)"
        if policy.close_check_uses_sla:
            reason += f"; the {LABELS[priority]} SLA is {describe(_sla(policy, priority))}"
        yield _row(prefix, pk, number, title, reason, source)


def failing_data_loss(now: datetime) -> Iterator[FailingRow]:
    prefix = _detail_prefix()
    incomplete = (
        Q(what_happened="")
        | Q(categories=[])
        | Q(records_affected__isnull=True, people_affected__isnull=True)
        | Q(
            customers_notified_on__isnull=True,
            regulators_notified_on__isnull=True,
            management_notified_on__isnull=True,
            dpo_notified_on__isnull=True,
            other_notified_on__isnull=True,
        )
    )
    reports = DataLossReport.objects.filter(
        incident__in=Incident.objects.counted(), data_lost=DataLost.YES
    ).filter(incomplete)
    for report in reports.select_related("incident").iterator(chunk_size=1000):
        missing = ", ".join(report.missing_details())
        incident = report.incident
        reason = f"Data was lost; missing: {missing}"
        yield _row(prefix, incident.pk, incident.number, incident.title, reason, incident.source)
    if IncidentPolicy.current().assess_resolved_high:
        unassessed = (
            Incident.objects.counted()
            .filter(
                priority=Priority.HIGH, status__in=(IncidentStatus.RESOLVED, IncidentStatus.CLOSED)
            )
            .filter(Q(data_loss__isnull=True) | Q(data_loss__data_lost=DataLost.NOT_ASSESSED))
        )
        rows = unassessed.values_list("pk", "number", "title", "source")
        for pk, number, title, source in rows.iterator():
            reason = "Resolved High incident whose data loss is not assessed"
            yield _row(prefix, pk, number, title, reason, source)


def failing_sla(now: datetime) -> Iterator[FailingRow]:
    prefix = _detail_prefix()
    policy = IncidentPolicy.current()
    late = (
        Incident.objects.counted()
        .filter(
            status__in=(IncidentStatus.RESOLVED, IncidentStatus.CLOSED), resolved_at__isnull=False
        )
        # Seconds computed by the database: F() + timedelta calls Python per row on SQLite.
        .annotate(took=SecondsBetween(F("resolved_at"), F("created_at")))
        .filter(_per_priority(policy, lambda sla: Q(took__gt=sla.total_seconds())))
    )
    rows = late.values_list("pk", "number", "title", "took", "priority", "source")
    for pk, number, title, took, priority, source in rows.iterator(chunk_size=2000):
        reason = (
            f"Resolved after {describe(timedelta(seconds=round(took)))}; "
            f"the {LABELS[priority]} SLA is {describe(_sla(policy, priority))}"
        )
        yield _row(prefix, pk, number, title, reason, source)


def register_incident_checks() -> None:
    register(
        Check(
            key=CLOSED_KEY,
            title="Reported incident should be closed",
            description="Fails while any incident of a connected source is open (or, when the "
            "SLA option is on, open longer than the SLA of its priority).",
            how_to_fix="Resolve or close the incident in its source tool; the next sync passes "
            "it. If it is out of scope, mark it a special case with the reason.",
            topic=TOPIC,
            applicable=_any_source,
            checked_count=_checked_count,
            failing=failing_open,
        )
    )
    register(
        Check(
            key=DATA_LOSS_KEY,
            title="Data loss information should be added for the reported incident",
            description="Fails for an incident whose data-loss report says data was lost but "
            "lacks what happened, the data categories, the records or people affected, or any "
            "stakeholder notification.",
            how_to_fix="Open the incident and complete its data-loss report, including the date "
            "each stakeholder group was notified.",
            topic=TOPIC,
            applicable=_any_source,
            checked_count=_checked_count,
            failing=failing_data_loss,
        )
    )
    register(
        Check(
            key=SLA_KEY,
            title="Incident resolved within SLA",
            description="Fails for a resolved incident that took longer than the SLA of its "
            "priority, from report to resolution.",
            how_to_fix="Review the late incidents with their owners; record the reason as a "
            "special case where the delay was justified.",
            topic=TOPIC,
            applicable=_any_source,
            checked_count=_checked_count,
            failing=failing_sla,
        )
    )
