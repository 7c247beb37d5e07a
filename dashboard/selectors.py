"""Reads for the dashboard (the home page): the same few queries at 100 incidents or 1,000,000.

The incident panels chart ``Incident.objects.counted()``, the population the checks evaluate: an
incident out of scope, deleted upstream or of a disconnected source is evidence, not a trend.
The weekly trend and the time to resolve add up the stored figures per day (services.py, one
row); the open incidents, whose ages change by the minute, are counted live, as are the checks
and the integrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, JSONField, OuterRef, Q, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from checks.models import CheckState
from dashboard import windows
from dashboard.models import DashboardSnapshot
from dashboard.services import REFRESH_MINUTES
from dashboard.windows import MTTR_DAYS, WEEKS
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


def incident_snapshot(*, now: datetime) -> DashboardSnapshot | None:
    """The stored figures per day, if they can draw the charts at ``now``: None when there are
    none yet, or they are of days of another time zone (settings changed since)."""
    snapshot = DashboardSnapshot.objects.filter(pk=DashboardSnapshot.SINGLETON).first()
    if (
        snapshot is None
        or snapshot.time_zone != timezone.get_current_timezone_name()
        or snapshot.first_day > windows.first_day(now)
    ):
        return None
    return snapshot


@dataclass(frozen=True)
class Freshness:
    """How old the incident figures are, said on the page."""

    computed_at: datetime
    refresh_minutes: int
    # Older than two fallback refreshes: the task worker is probably not running.
    overdue: bool


def freshness(snapshot: DashboardSnapshot, *, now: datetime) -> Freshness:
    minutes = REFRESH_MINUTES
    return Freshness(
        computed_at=snapshot.computed_at,
        refresh_minutes=minutes,
        overdue=now - snapshot.computed_at > timedelta(minutes=2 * minutes),
    )


def _figures(snapshot: DashboardSnapshot, since: date) -> Iterator[tuple[date, str, list[float]]]:
    """(day, priority, [reported, resolved, seconds]) of every day from ``since`` on."""
    for iso_day, priorities in snapshot.days.items():
        day = date.fromisoformat(iso_day)
        if day >= since:
            for priority, figures in priorities.items():
                yield day, priority, figures


def incidents_per_week(
    snapshot: DashboardSnapshot, *, now: datetime, weeks: int = WEEKS
) -> tuple[list[date], PriorityCounts]:
    """Incidents reported in each of the last ``weeks`` weeks (this one included), by priority:
    the snapshot's days added up by the week they fall in (weeks start on Monday 00:00 in the
    current time zone)."""
    mondays = windows.mondays(now, weeks)
    counts = {value: [0] * weeks for value, _ in PRIORITIES}
    for day, priority, figures in _figures(snapshot, mondays[0]):
        if priority in counts:
            counts[priority][min((day - mondays[0]).days // 7, weeks - 1)] += int(figures[0])
    labels = [f"{monday.day} {monday:%b}" for monday in mondays]
    return mondays, PriorityCounts(categories=labels, counts=counts)


def open_incidents_by_age(*, now: datetime) -> PriorityCounts:
    """Open incidents that count, by age bucket and priority (one query): the same population
    the "Reported incident should be closed" check reads. Counted at every view, so that each
    is in the bucket of its age now; from the partial index incident_open_counted alone."""
    buckets = {}
    for n, (_, older_than, younger_than) in enumerate(AGE_BUCKETS):
        condition = Q()
        if older_than is not None:
            condition &= Q(created_at__lte=now - older_than)
        if younger_than is not None:
            condition &= Q(created_at__gt=now - younger_than)
        # created_at, never null, rather than id: a column of the index, which then answers
        # alone (Django refuses COUNT(*) with a filter).
        buckets[f"b{n}"] = Count("created_at", filter=condition)
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


def mean_time_to_resolve(
    snapshot: DashboardSnapshot, *, now: datetime, days: int = MTTR_DAYS
) -> list[ResolveTime]:
    """Mean time from report to resolution of the incidents resolved in the last ``days`` days
    (today included), from the snapshot's days."""
    found: dict[str, list[float]] = {}
    for _day, priority, figures in _figures(snapshot, windows.mttr_first_day(now, days)):
        if figures[1]:
            total = found.setdefault(priority, [0, 0.0])
            total[0] += int(figures[1])
            total[1] += figures[2]
    result = []
    for value, label in PRIORITIES:
        row = found.get(value)
        if row is None and not value:
            continue  # no "Unknown" row unless such incidents exist
        mean = timedelta(seconds=round(row[1] / row[0], 3)) if row else None
        result.append(ResolveTime(value, label, int(row[0]) if row else 0, mean))
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
        "id",
        "provider",
        "status",
        "last_error",
        "services_confirmed_at",
        # Whether it moved to a successor (its status label says so).
        "moved_to",
        "moved_on",
        "stopped_answering_at",
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
