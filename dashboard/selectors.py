"""Reads for the dashboard (the home page). Every number is aggregated in SQL, one query per panel,
so the page costs the same few queries at 100 incidents or 100,000.

The incident panels chart ``Incident.objects.counted()``, the population the checks evaluate: an
incident out of scope, deleted upstream or of a disconnected source is evidence, not a trend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Avg,
    Count,
    F,
    JSONField,
    OuterRef,
    Q,
    Subquery,
)
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from checks.models import CheckState
from incidents.expressions import SecondsBetween
from incidents.models import Incident
from integrations.models import Connection, ConnectionStatus, SyncOutcome, SyncRun, run_summary
from integrations.providers.registry import providers
from integrations.records import IncidentStatus
from integrations.sync.liveness import stale_before
from lib.checks import REGISTRY

# (value stored on Incident.priority, label), in the order every chart shows them.
PRIORITIES: tuple[tuple[str, str], ...] = (
    ("high", "High"),
    ("medium", "Medium"),
    ("low", "Low"),
    ("", "Unknown"),
)
WEEKS = 12
MTTR_DAYS = 90
# (label, lower bound, upper bound) of an open incident's age; None = unbounded.
AGE_BUCKETS: tuple[tuple[str, timedelta | None, timedelta | None], ...] = (
    ("< 1 day", None, timedelta(days=1)),
    ("1–3 days", timedelta(days=1), timedelta(days=3)),
    ("3–7 days", timedelta(days=3), timedelta(days=7)),
    ("7–30 days", timedelta(days=7), timedelta(days=30)),
    ("> 30 days", timedelta(days=30), None),
)


# ---------------------------------------------------------------------------------------------
# Checks


@dataclass(frozen=True)
class CheckSummary:
    key: str
    title: str
    url: str
    # "passing" / "failing" / "not_applicable", or "" when the check has never been evaluated.
    status: str
    status_label: str
    failing_count: int
    since: datetime | None


def check_summaries() -> list[CheckSummary]:
    """Every registered check with its latest state (one query)."""
    states = {state.key: state for state in CheckState.objects.filter(key__in=list(REGISTRY))}
    summaries = []
    for check in REGISTRY.values():
        state = states.get(check.key)
        summaries.append(
            CheckSummary(
                key=check.key,
                title=check.title,
                url=reverse("checks:detail", args=[check.key]),
                status=state.status if state else "",
                status_label=state.get_status_display() if state else "Not evaluated yet",
                failing_count=state.failing_count if state else 0,
                since=state.status_since if state else None,
            )
        )
    return summaries


# ---------------------------------------------------------------------------------------------
# Incidents


@dataclass(frozen=True)
class PriorityCounts:
    """Counts per category (weeks, age buckets, ...) for each priority, in PRIORITIES order."""

    categories: list[str]
    # priority value -> one count per category
    counts: dict[str, list[int]]

    @property
    def total(self) -> int:
        return sum(sum(values) for values in self.counts.values())

    def priorities_present(self) -> list[tuple[str, str]]:
        """High, Medium, Low always (a stable legend); Unknown only when there are some."""
        return [(value, label) for value, label in PRIORITIES if value or any(self.counts[value])]


def _week_start(now: datetime) -> datetime:
    """Monday 00:00 (current time zone) of the week ``now`` is in, as TruncWeek computes it."""
    local = timezone.localtime(now)
    monday = local.date() - timedelta(days=local.weekday())
    return timezone.make_aware(datetime.combine(monday, time.min))


def incidents_per_week(*, now: datetime, weeks: int = WEEKS) -> tuple[list[date], PriorityCounts]:
    """Incidents reported in each of the last ``weeks`` weeks (this one included), by priority.

    One conditional count per week rather than ``TruncWeek``: on SQLite TruncWeek is a Python
    function called for every row (about 10x slower at 100,000 incidents), while plain range
    comparisons use the created_at index on both databases. The week boundaries are Mondays
    00:00 in the current time zone, computed here (so DST changes are right).
    """
    this_monday = _week_start(now)
    mondays = [
        (timezone.localtime(this_monday) - timedelta(weeks=weeks - 1 - n)).date()
        for n in range(weeks)
    ]
    bounds = [timezone.make_aware(datetime.combine(day, time.min)) for day in mondays]
    per_week = {
        f"w{n}": Count(
            "id",
            filter=Q(created_at__gte=start)
            & (Q(created_at__lt=bounds[n + 1]) if n + 1 < weeks else Q()),
        )
        for n, start in enumerate(bounds)
    }
    rows = (
        Incident.objects.counted()
        .filter(created_at__gte=bounds[0])
        .values("priority")
        .annotate(**per_week)
        .order_by()
    )
    counts = {value: [0] * weeks for value, _ in PRIORITIES}
    for row in rows:
        if row["priority"] in counts:
            counts[row["priority"]] = [row[f"w{n}"] for n in range(weeks)]
    labels = [f"{monday.day} {monday:%b}" for monday in mondays]
    return mondays, PriorityCounts(categories=labels, counts=counts)


def open_incidents_by_age(*, now: datetime) -> PriorityCounts:
    """Open incidents that count, by age bucket and priority (one query): the same population
    the "Reported incident should be closed" check reads."""
    buckets = {}
    for n, (_, older_than, younger_than) in enumerate(AGE_BUCKETS):
        condition = Q()
        if older_than is not None:
            condition &= Q(created_at__lte=now - older_than)
        if younger_than is not None:
            condition &= Q(created_at__gt=now - younger_than)
        buckets[f"b{n}"] = Count("id", filter=condition)
    rows = (
        Incident.objects.counted()
        .filter(status=IncidentStatus.OPEN)
        .values("priority")
        .annotate(**buckets)
        .order_by()
    )
    counts = {value: [0] * len(AGE_BUCKETS) for value, _ in PRIORITIES}
    for row in rows:
        if row["priority"] in counts:
            counts[row["priority"]] = [row[f"b{n}"] for n in range(len(AGE_BUCKETS))]
    return PriorityCounts(categories=[label for label, _, _ in AGE_BUCKETS], counts=counts)


@dataclass(frozen=True)
class ResolveTime:
    priority: str
    label: str
    resolved: int
    mean: timedelta | None

    @property
    def mean_hours(self) -> float:
        return self.mean.total_seconds() / 3600 if self.mean else 0.0


def mean_time_to_resolve(*, now: datetime, days: int = MTTR_DAYS) -> list[ResolveTime]:
    """Mean time from report to resolution of the incidents resolved in the last ``days`` days."""
    rows = (
        Incident.objects.counted()
        .filter(
            status__in=(IncidentStatus.RESOLVED, IncidentStatus.CLOSED),
            resolved_at__gte=now - timedelta(days=days),
            resolved_at__isnull=False,
        )
        .values("priority")
        .annotate(n=Count("id"), seconds=Avg(SecondsBetween(F("resolved_at"), F("created_at"))))
        .order_by()
    )
    found = {row["priority"]: row for row in rows}
    result = []
    for value, label in PRIORITIES:
        row = found.get(value)
        if row is None and not value:
            continue  # no "Unknown" row unless such incidents exist
        mean = timedelta(seconds=round(float(row["seconds"]), 3)) if row else None
        result.append(ResolveTime(value, label, row["n"] if row else 0, mean))
    return result


# ---------------------------------------------------------------------------------------------
# Integrations


@dataclass(frozen=True)
class IntegrationHealth:
    slug: str
    name: str
    status: str
    status_label: str
    url: str
    last_success_at: datetime | None
    last_run_outcome: str
    last_run_outcome_label: str
    last_run_at: datetime | None
    last_run_error: str
    connection_error: str


def integration_health() -> list[IntegrationHealth]:
    """Every connection with its last successful sync and its latest run (one query)."""
    runs = SyncRun.objects.filter(connection=OuterRef("pk")).order_by("-started_at")
    succeeded = runs.filter(outcome=SyncOutcome.SUCCEEDED)
    connections = Connection.objects.order_by("provider").annotate(
        last_success_at=Subquery(succeeded.values("finished_at")[:1]),
        last_run_outcome=Subquery(runs.values("outcome")[:1]),
        last_run_at=Subquery(runs.values("started_at")[:1]),
        last_run_error=Subquery(runs.values("error")[:1]),
        last_run_counts=Subquery(runs.values("counts")[:1], output_field=JSONField()),
        last_run_heartbeat_at=Subquery(runs.values("heartbeat_at")[:1]),
    )
    dead_before = stale_before()
    outcomes = dict(SyncOutcome.choices)
    health = []
    for connection in connections.only(
        "id", "provider", "status", "last_error", "services_confirmed_at"
    ):
        provider = providers().get(connection.provider)
        try:
            url = reverse(f"integrations:{connection.provider}")
        except NoReverseMatch:
            url = ""
        outcome = connection.last_run_outcome or ""
        if outcome == SyncOutcome.RUNNING and connection.last_run_heartbeat_at < dead_before:
            # Its worker died: shown as the sync card shows it (which also marks it so).
            outcome = SyncOutcome.INTERRUPTED
        health.append(
            IntegrationHealth(
                slug=connection.provider,
                name=provider.name if provider else connection.provider,
                status=connection.status_style,
                status_label=connection.status_label,
                url=url,
                last_success_at=connection.last_success_at,
                last_run_outcome=outcome,
                last_run_outcome_label=outcomes.get(outcome, ""),
                last_run_at=connection.last_run_at,
                # Worded as on the sync card: what a failed run stored before it failed.
                last_run_error=run_summary(
                    outcome=outcome,
                    counts=connection.last_run_counts,
                    error=connection.last_run_error or "",
                ),
                connection_error=connection.last_error
                if connection.status == ConnectionStatus.ERROR
                else "",
            )
        )
    return health
