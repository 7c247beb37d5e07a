from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString

from accounts.permissions import require_permissions
from dashboard import selectors, services, windows
from lib import charts
from notifications.selectors import disabled_channels

# Each priority keeps its look on every chart: colour and pattern (PRIORITIES order).
PRIORITY_STYLES = {
    "high": charts.Style("#a4161a", "solid"),
    "medium": charts.Style("#b25e00", "stripes"),
    "low": charts.Style("#1f4fbf", "dots"),
    "": charts.Style("#5b6474", "crosshatch"),
}


def _hours(value: float) -> str:
    """Hours as "2 d 4 h" / "5 h" / "40 min": what an auditor reads a resolution time in."""
    if value <= 0:
        return "0"
    if value >= 24:
        days, hours = divmod(round(value), 24)
        return f"{days} d {hours} h" if hours else f"{days} d"
    if value >= 1:
        return f"{round(value)} h"
    return f"{round(value * 60)} min"


def _by_priority(
    counts: selectors.PriorityCounts,
    *,
    title: str,
    chart_id: str,
    category_label: str,
    width: int = 400,
    height: int = 240,
) -> SafeString:
    present = counts.priorities_present()
    return charts.bar_chart(
        counts.categories,
        [charts.Series(label, counts.counts[value]) for value, label in present],
        title=title,
        chart_id=chart_id,
        stacked=True,
        category_label=category_label,
        styles=[PRIORITY_STYLES[value] for value, _ in present],
        width=width,
        height=height,
    )


def _resolve_chart(resolve_times: list[selectors.ResolveTime]) -> SafeString:
    """Bars labelled "2 d 17 h"; the axis counts whole days once any mean exceeds two days."""
    in_days = max((row.mean_hours for row in resolve_times), default=0) > 48
    scale = 24 if in_days else 1
    return charts.bar_chart(
        [f"{row.label} ({row.resolved:,})" for row in resolve_times],
        [charts.Series("Mean time to resolve", [row.mean_hours / scale for row in resolve_times])],
        title=f"Mean time to resolve by priority, last {windows.MTTR_DAYS} days",
        chart_id="chart-mttr",
        category_label="Priority (incidents resolved)",
        value_format=lambda value: _hours(value * scale),
        tick_format=lambda value: f"{value:g} {'d' if in_days else 'h'}" if value else "0",
        styles=[charts.Style("#1f4fbf", "solid")],
    )


@require_permissions(read=None)
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: checks, incident trends and integration health, for every role."""
    now = timezone.now()
    # None on a fresh install (or after the time zone changed): counted once, here.
    snapshot = selectors.incident_snapshot(now=now) or services.snapshot_refresh(now=now)
    _, weekly = selectors.incidents_per_week(snapshot, now=now)
    ages = selectors.open_incidents_by_age(now=now)
    resolve_times = selectors.mean_time_to_resolve(snapshot, now=now)
    resolved = sum(row.resolved for row in resolve_times)
    context = {
        "checks": selectors.check_summaries(),
        "disabled_channels": disabled_channels(),
        "integrations": selectors.integration_health(),
        "weekly_total": weekly.total,
        "weekly_chart": _by_priority(
            weekly,
            title=f"Incidents reported per week, last {windows.WEEKS} weeks, by priority",
            chart_id="chart-weekly",
            category_label="Week of",
            width=720,
            height=300,
        ),
        "open_total": ages.total,
        "age_chart": _by_priority(
            ages,
            title="Open incidents by age and priority",
            chart_id="chart-age",
            category_label="Open for",
        ),
        "resolved_total": resolved,
        "resolve_chart": _resolve_chart(resolve_times),
        "resolve_times": resolve_times,
        "mttr_days": windows.MTTR_DAYS,
        "mttr_since": windows.mttr_first_day(now),
        "freshness": selectors.freshness(snapshot, now=now),
        "now": now,
        "weeks": windows.WEEKS,
    }
    return render(request, "dashboard/home.html", context)
