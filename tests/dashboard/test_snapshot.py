"""The dashboard's stored figures (DashboardSnapshot): counted again whenever the incidents
that count change, drawn with the time of display, and as old as the page says."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Schedule

from dashboard import selectors, windows
from dashboard.models import DashboardSnapshot
from dashboard.services import REFRESH_MINUTES, snapshot_refresh
from dashboard.tasks import SCHEDULE_NAME, refresh_task
from incidents.models import Incident
from integrations.sandbox.server import SandboxServer
from integrations.services import connection_disconnect, connection_set_services
from tests.conftest import make_connection, make_incident
from tests.sync.conftest import run_sync

pytestmark = pytest.mark.django_db

# A Wednesday noon: the current week started on Monday 10 March 2025.
NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)


def _page(client) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _weekly_total(page: str) -> int:
    found = re.search(r"([\d,]+) incidents? reported in the last 12 weeks", page)
    return int(found.group(1).replace(",", "")) if found else 0


def _open(connection, n: int, *, hours_ago: float, now: datetime | None = None, **fields):  # type: ignore[no-untyped-def]
    created = (now or timezone.now()) - timedelta(hours=hours_ago)
    return make_incident(connection, n, created_at=created, priority="high", **fields)


# --- when the figures are counted ------------------------------------------------------------


def test_a_fresh_install_counts_the_figures_on_the_first_view(admin_client) -> None:  # type: ignore[no-untyped-def]
    assert not DashboardSnapshot.objects.exists()
    page = _page(admin_client)
    assert "No incident was reported in the last 12 weeks" in page
    assert "No incident was resolved in the last 90 days" in page
    snapshot = DashboardSnapshot.objects.get()
    assert snapshot.days == {}
    assert f'<time datetime="{snapshot.computed_at.isoformat()}"' in page


def test_a_sync_that_writes_incidents_counts_the_figures_again(admin_client, settings) -> None:  # type: ignore[no-untyped-def]
    server = SandboxServer(seed=5, incidents=60, users=5, now=timezone.now()).start()
    try:
        settings.OPSGENIE_BASE_URLS = {r: server.opsgenie_url(r) for r in ("us", "eu")}
        settings.UPSTREAM_TIMEOUT_SECONDS = 2
        connection = make_connection(api_key=server.keys.opsgenie_us)
        assert _weekly_total(_page(admin_client)) == 0  # counted before any incident
        before = DashboardSnapshot.objects.get().computed_at

        run_sync(connection)
    finally:
        server.stop()

    assert DashboardSnapshot.objects.get().computed_at > before
    # What the synced incidents imply, counted here from the rows themselves.
    monday = windows.day_start(windows.mondays(timezone.now())[0])
    expected = sum(
        1
        for row in Incident.objects.all()
        if row.created_at >= monday and not (row.deleted_upstream or row.out_of_scope)
    )
    assert expected > 0
    assert _weekly_total(_page(admin_client)) == expected


def test_disconnecting_a_source_takes_its_incidents_out_at_once(admin_client, admin_user) -> None:  # type: ignore[no-untyped-def]
    kept = make_connection(provider="opsgenie")
    gone = make_connection(provider="pagerduty")
    _open(kept, 1, hours_ago=5)
    _open(gone, 2, hours_ago=5)
    _open(gone, 3, hours_ago=30)
    snapshot_refresh()
    assert _weekly_total(_page(admin_client)) == 3

    connection_disconnect(connection=gone, user=admin_user)

    page = _page(admin_client)
    assert _weekly_total(page) == 1
    assert "1 open incident that count" in page


def test_a_new_choice_of_services_is_counted_at_once(  # type: ignore[no-untyped-def]
    admin_client, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setattr("integrations.tasks.sync_enqueue", lambda **kwargs: "task")
    connection = make_connection(provider="pagerduty")
    connection.services_confirmed_at = timezone.now()
    connection.save()
    _open(connection, 1, hours_ago=5, service_ids=["checkout"])
    _open(connection, 2, hours_ago=5, service_ids=["search"])
    snapshot_refresh()
    assert _weekly_total(_page(admin_client)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        connection_set_services(connection=connection, service_ids=["checkout"], report_email="")

    assert _weekly_total(_page(admin_client)) == 1


def test_the_fallback_refresh_runs_every_few_minutes(admin_client) -> None:  # type: ignore[no-untyped-def]
    call_command("migrate", verbosity=0)  # post_migrate keeps the schedule
    schedule = Schedule.objects.get(name=SCHEDULE_NAME)
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == REFRESH_MINUTES
    assert schedule.func == "dashboard.tasks.refresh_task"

    source = make_connection()
    snapshot_refresh()
    # Written some way that refreshes nothing (a hand-made import): not in the figures...
    _open(source, 1, hours_ago=5, status="resolved", resolved_at=timezone.now())
    assert _weekly_total(_page(admin_client)) == 0
    # ...until the schedule's refresh, at the latest.
    refresh_task()
    assert _weekly_total(_page(admin_client)) == 1


def test_a_refresh_that_started_earlier_leaves_a_later_one_in_place() -> None:
    later = timezone.now() + timedelta(seconds=30)
    DashboardSnapshot.objects.create(
        pk=DashboardSnapshot.SINGLETON,
        computed_at=later,
        time_zone="UTC",
        first_day=windows.first_day(later),
        days={},
    )
    make_incident(make_connection(), 1)
    assert snapshot_refresh().computed_at == later
    assert DashboardSnapshot.objects.get().days == {}


def test_a_change_of_time_zone_counts_the_days_again(admin_client, settings) -> None:  # type: ignore[no-untyped-def]
    snapshot_refresh()
    settings.TIME_ZONE = "America/New_York"
    _page(admin_client)
    assert DashboardSnapshot.objects.get().time_zone == "America/New_York"


# --- drawn at the time of display ------------------------------------------------------------


def test_the_weeks_and_the_90_days_move_on_with_the_time_of_display() -> None:
    source = make_connection()
    make_incident(
        source,
        1,
        status="resolved",
        priority="high",
        created_at=NOW - timedelta(days=2),
        resolved_at=NOW - timedelta(days=1),
    )
    snapshot = snapshot_refresh(now=NOW)

    _, weekly = selectors.incidents_per_week(snapshot, now=NOW)
    assert weekly.counts["high"][-1] == 1
    # A week later, from the same figures: the incident is in last week's bar.
    _, weekly = selectors.incidents_per_week(snapshot, now=NOW + timedelta(weeks=1))
    assert weekly.counts["high"][-2:] == [1, 0]
    # Resolved on 11 March: among the last 90 days (today included) until 8 June.
    late = selectors.mean_time_to_resolve(snapshot, now=datetime(2025, 6, 8, 23, 0, tzinfo=UTC))
    assert late[0].resolved == 1 and late[0].mean == timedelta(days=1)
    gone = selectors.mean_time_to_resolve(snapshot, now=datetime(2025, 6, 9, 1, 0, tzinfo=UTC))
    assert gone[0].resolved == 0


def test_open_incidents_are_aged_when_the_page_is_drawn(admin_client) -> None:  # type: ignore[no-untyped-def]
    source = make_connection()
    snapshot_refresh()
    # Opened since the figures were counted: the open incidents are counted live.
    _open(source, 1, hours_ago=2)
    _open(source, 2, hours_ago=50)
    page = _page(admin_client)
    ages = page[page.index('id="chart-age"') :]
    assert '<th scope="row">&lt; 1 day</th><td>1</td>' in ages
    assert '<th scope="row">1–3 days</th><td>1</td>' in ages


# --- how old the page says they are ----------------------------------------------------------


def test_the_page_says_how_old_the_figures_are(admin_client) -> None:  # type: ignore[no-untyped-def]
    snapshot = snapshot_refresh()
    page = _page(admin_client)
    as_of = timezone.localtime(snapshot.computed_at)
    assert f'Figures as of <time datetime="{as_of.isoformat()}"' in page
    assert f">{as_of:%-d %b %Y, %H:%M}</time>: recounted after every sync that changes" in page
    assert f"at least every {REFRESH_MINUTES} minutes." in page
    assert "background tasks may not be running" not in page


def test_figures_older_than_the_fallback_allows_are_flagged(admin_client) -> None:  # type: ignore[no-untyped-def]
    snapshot_refresh()
    old = timezone.now() - timedelta(minutes=2 * REFRESH_MINUTES + 1)
    DashboardSnapshot.objects.update(computed_at=old)
    page = _page(admin_client)
    assert f"{timezone.localtime(old):%-d %b %Y, %H:%M}</time>" in page
    assert "older than that: background tasks may not be running" in page


@pytest.mark.parametrize("role", ["admin", "auditor", "staff"])
def test_every_role_sees_the_same_figures_and_their_age(role, request) -> None:  # type: ignore[no-untyped-def]
    source = make_connection()
    _open(source, 1, hours_ago=3)
    _open(source, 2, hours_ago=80, status="closed", resolved_at=timezone.now())
    _open(source, 3, hours_ago=5)
    snapshot_refresh()
    page = _page(request.getfixturevalue(f"{role}_client"))
    assert _weekly_total(page) == 3
    assert "2 open incidents that count for the checks" in page
    assert "for the 1 incident resolved in the last 90 days" in page
    assert page.count("Figures as of") == 2
