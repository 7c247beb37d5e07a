"""The dashboard's one write: its snapshot of the incident figures per day (DashboardSnapshot).

Counting half a million incidents (reported in 12 weeks, resolved in 90 days) for every view of
the home page cost 0.6 s at 1,000,000 on PostgreSQL; the figures only change when the incidents
do, so they are counted once per change instead: after every sync that wrote (the sync engine's
evaluators), when what counts changes (a disconnect, a new choice of services), every
REFRESH_MINUTES as a fallback (tasks.py), and on the spot when there is no snapshot yet.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from dashboard import windows
from dashboard.models import DashboardSnapshot
from incidents.expressions import SecondsBetween
from incidents.models import Incident
from integrations.records import IncidentStatus

# The fallback: figures never older than this while the task worker runs, even if a change to
# the incidents reached the database some way that does not refresh them.
REFRESH_MINUTES = 10

Days = dict[str, dict[str, list[float]]]


def snapshot_refresh(*, now: datetime | None = None) -> DashboardSnapshot:
    """Count the incidents that count, per local day and priority, from the oldest day a chart
    drawn at ``now`` reads: how many were reported, how many resolved and their time to resolve.

    Counted outside any transaction (on SQLite one would hold the database's write lock for the
    count), then written under the row's lock. Of two refreshes at once (two workers' syncs
    ending together), the one that started last counted the latest incidents: an earlier one
    that ends after it leaves its figures in place."""
    started = timezone.now()
    now = now or started
    first_day = windows.first_day(now)
    days = count_days(since=windows.day_start(first_day))
    values = {
        "computed_at": started,
        "time_zone": timezone.get_current_timezone_name(),
        "first_day": first_day,
        "days": days,
    }
    with transaction.atomic():
        current = (
            DashboardSnapshot.objects.select_for_update()
            .filter(pk=DashboardSnapshot.SINGLETON)
            .first()
        )
        if current is not None and current.computed_at > started:
            return current
        snapshot, _ = DashboardSnapshot.objects.update_or_create(
            pk=DashboardSnapshot.SINGLETON, defaults=values
        )
    return snapshot


def count_days(*, since: datetime) -> Days:
    """Two grouped counts (one per date column), each by the local day in SQL."""
    zone = timezone.get_current_timezone()
    days: Days = {}

    def cell(day: object, priority: str) -> list[float]:
        return days.setdefault(day.isoformat(), {}).setdefault(priority, [0, 0, 0.0])  # type: ignore[attr-defined]

    counted = Incident.objects.counted()
    reported = (
        counted.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day", "priority")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in reported:
        cell(row["day"], row["priority"])[0] = row["n"]
    resolved = (
        counted.filter(
            status__in=(IncidentStatus.RESOLVED, IncidentStatus.CLOSED), resolved_at__gte=since
        )
        .annotate(day=TruncDate("resolved_at", tzinfo=zone))
        .values("day", "priority")
        .annotate(n=Count("id"), seconds=Sum(SecondsBetween(F("resolved_at"), F("created_at"))))
        .order_by()
    )
    for row in resolved:
        figures = cell(row["day"], row["priority"])
        figures[1], figures[2] = row["n"], float(row["seconds"] or 0)
    return days
