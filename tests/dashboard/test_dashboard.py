from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checks.models import CheckState
from dashboard import selectors
from dashboard.services import snapshot_refresh
from incidents.models import Incident
from integrations.models import Connection, ConnectionStatus, SyncRun
from lib.checks import REGISTRY
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db

# A Wednesday noon: the current week started on Monday 10 March 2025.
NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)
_numbers = count(1)


def _connection(provider: str = "opsgenie", status: str = ConnectionStatus.CONNECTED) -> Connection:
    return make_connection(provider=provider, status=status, connected_at=NOW - timedelta(days=200))


def _incident(connection: Connection, *, created_at: datetime, **fields) -> Incident:  # type: ignore[no-untyped-def]
    n = next(_numbers)
    values = {"title": f"Incident {n}", "status": "open", "priority": "high", **fields}
    return Incident.objects.create(
        connection=connection,
        source=connection.provider,
        upstream_id=f"id-{n}",
        number=str(n),
        created_at=created_at,
        content_hash="x",
        changed_at=created_at,
        **values,
    )


def _resolved(
    connection: Connection, *, created_at: datetime, took: timedelta, **fields
) -> Incident:  # type: ignore[no-untyped-def]
    return _incident(
        connection,
        created_at=created_at,
        resolved_at=created_at + took,
        **{"status": "resolved", **fields},
    )


# --- the numbers -----------------------------------------------------------------------------


def test_incidents_are_counted_per_week_and_priority() -> None:
    source = _connection()
    _incident(source, created_at=NOW - timedelta(hours=1))  # this week
    _incident(source, created_at=datetime(2025, 3, 10, 0, 1, tzinfo=UTC), priority="low")
    _incident(source, created_at=datetime(2025, 3, 9, 23, 59, tzinfo=UTC))  # last week (Sunday)
    _incident(source, created_at=datetime(2025, 3, 3, 8, 0, tzinfo=UTC), priority="")
    _incident(source, created_at=datetime(2024, 12, 22, tzinfo=UTC))  # 12 weeks ago: too old
    _incident(source, created_at=NOW - timedelta(hours=2), deleted_upstream=True)

    mondays, weekly = selectors.incidents_per_week(snapshot_refresh(now=NOW), now=NOW)

    assert len(mondays) == 12
    assert mondays[0].isoformat() == "2024-12-23" and mondays[-1].isoformat() == "2025-03-10"
    assert weekly.categories[-1] == "10 Mar"
    assert weekly.counts["high"][-2:] == [1, 1]
    assert weekly.counts["low"][-1] == 1
    assert weekly.counts[""][-2] == 1
    assert weekly.total == 4
    assert [label for _, label in weekly.priorities_present()] == [
        "High",
        "Medium",
        "Low",
        "Unknown",
    ]


def test_weeks_start_on_monday_in_the_configured_time_zone(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIME_ZONE = "America/New_York"
    source = _connection()
    # Monday 02:00 UTC is still Sunday evening in New York: the previous week there.
    _incident(source, created_at=datetime(2025, 3, 10, 2, 0, tzinfo=UTC))
    _incident(source, created_at=datetime(2025, 3, 10, 5, 0, tzinfo=UTC))

    mondays, weekly = selectors.incidents_per_week(snapshot_refresh(now=NOW), now=NOW)

    assert mondays[-1].isoformat() == "2025-03-10"
    assert weekly.counts["high"][-2:] == [1, 1]


def test_open_incidents_fall_in_age_buckets() -> None:
    source = _connection()
    for hours, priority in (
        (2, "high"),
        (30, "high"),
        (100, "medium"),
        (200, "low"),
        (1000, "low"),
    ):
        _incident(source, created_at=NOW - timedelta(hours=hours), priority=priority)
    _incident(source, created_at=NOW - timedelta(days=3), priority="medium")  # exactly 3 days
    _resolved(source, created_at=NOW - timedelta(days=2), took=timedelta(hours=1))
    _incident(source, created_at=NOW - timedelta(days=2), deleted_upstream=True)
    gone = _connection("pagerduty", ConnectionStatus.DISCONNECTED)
    _incident(gone, created_at=NOW - timedelta(days=2))

    ages = selectors.open_incidents_by_age(now=NOW)

    assert ages.categories == ["< 1 day", "1–3 days", "3–7 days", "7–30 days", "> 30 days"]
    assert ages.counts["high"] == [1, 1, 0, 0, 0]
    assert ages.counts["medium"] == [0, 0, 2, 0, 0]
    assert ages.counts["low"] == [0, 0, 0, 1, 1]
    assert ages.total == 6
    # No Unknown series when no incident lacks a priority.
    assert [label for _, label in ages.priorities_present()] == ["High", "Medium", "Low"]


def test_mean_time_to_resolve_is_per_priority_over_90_days() -> None:
    source = _connection()
    _resolved(source, created_at=NOW - timedelta(days=5), took=timedelta(hours=2))
    _resolved(source, created_at=NOW - timedelta(days=4), took=timedelta(hours=4), status="closed")
    _resolved(source, created_at=NOW - timedelta(days=3), took=timedelta(days=1), priority="medium")
    _resolved(source, created_at=NOW - timedelta(days=120), took=timedelta(days=1))  # too old
    _incident(source, created_at=NOW - timedelta(days=1))  # open

    snapshot = snapshot_refresh(now=NOW)
    rows = {row.label: row for row in selectors.mean_time_to_resolve(snapshot, now=NOW)}

    assert list(rows) == ["High", "Medium", "Low"]
    assert rows["High"].resolved == 2 and rows["High"].mean == timedelta(hours=3)
    assert rows["Medium"].resolved == 1 and rows["Medium"].mean_hours == pytest.approx(24)
    assert rows["Low"].resolved == 0 and rows["Low"].mean is None


def test_integration_health_shows_the_last_success_and_the_last_run() -> None:
    source = _connection()
    SyncRun.objects.create(
        connection=source,
        trigger="schedule",
        kind="incremental",
        outcome="succeeded",
        started_at=NOW - timedelta(hours=3),
        finished_at=NOW - timedelta(hours=3) + timedelta(minutes=1),
        heartbeat_at=NOW,
    )
    SyncRun.objects.create(
        connection=source,
        trigger="schedule",
        kind="incremental",
        outcome="failed",
        started_at=NOW - timedelta(hours=1),
        finished_at=NOW - timedelta(hours=1),
        heartbeat_at=NOW,
        counts={"incidents": {"fetched": 300, "updated": 115, "created": 3, "unchanged": 182}},
        error="OpsGenie is not answering",
    )
    _connection("pagerduty")

    health = {item.slug: item for item in selectors.integration_health()}

    opsgenie = health["opsgenie"]
    assert opsgenie.name == "OpsGenie" and opsgenie.url == "/settings/integrations/opsgenie/"
    assert opsgenie.last_success_at == NOW - timedelta(hours=3) + timedelta(minutes=1)
    assert opsgenie.last_run_outcome_label == "Failed"
    # What it stored before failing, as the sync card says it; never "nothing was saved".
    assert opsgenie.last_run_error == (
        "Updated 115 and created 3 incidents, then failed: OpsGenie is not answering"
    )
    never = health["pagerduty"]
    assert never.last_success_at is None and never.last_run_outcome == ""


def test_a_sync_whose_worker_died_shows_as_interrupted_with_what_it_kept(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SYNC_STALE_AFTER_SECONDS = 60
    now = timezone.now()
    for provider, silent_for in (("opsgenie", timedelta(minutes=2)), ("pagerduty", timedelta())):
        SyncRun.objects.create(
            connection=_connection(provider),
            trigger="schedule",
            kind="full",
            outcome="running",
            started_at=now - timedelta(minutes=5),
            heartbeat_at=now - silent_for,
            counts={"incidents": {"fetched": 2300, "updated": 115, "created": 3}},
        )
    health = {item.slug: item for item in selectors.integration_health()}
    dead, live = health["opsgenie"], health["pagerduty"]
    assert dead.last_run_outcome_label == "Interrupted"
    assert dead.last_run_error == (
        "Stopped unexpectedly at 2,300 fetched; what it stored is kept "
        "(updated 115 and created 3 incidents)."
    )
    assert live.last_run_outcome_label == "Running" and live.last_run_error == ""


# --- the page --------------------------------------------------------------------------------


def _page(client) -> str:  # type: ignore[no-untyped-def]
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _seed(now: datetime) -> Connection:
    source = _connection()
    _incident(source, created_at=now - timedelta(hours=2))
    _incident(source, created_at=now - timedelta(days=10), priority="low")
    _resolved(source, created_at=now - timedelta(days=3), took=timedelta(hours=2))
    _resolved(source, created_at=now - timedelta(days=2), took=timedelta(hours=4))
    _resolved(source, created_at=now - timedelta(days=2), took=timedelta(days=2), priority="low")
    return source


def test_the_page_shows_the_right_numbers(admin_client) -> None:  # type: ignore[no-untyped-def]
    _seed(timezone.now())
    page = _page(admin_client)
    assert "5 incidents reported in the last 12 weeks" in page
    assert "2 open incidents that count for the checks" in page
    assert "for the 3 incidents resolved in the last 90 days" in page
    mttr = page[page.index('id="chart-mttr"') :]
    # High: (2 h + 4 h) / 2; Low: 2 days. Written on the bars and in the table.
    assert '<th scope="row">High (2)</th><td>3 h</td>' in mttr
    assert '<th scope="row">Low (1)</th><td>2 d</td>' in mttr
    assert ">3 h</text>" in mttr
    ages = page[page.index('id="chart-age"') :]
    assert '<th scope="row">&lt; 1 day</th><td>1</td><td>0</td><td>0</td><td>1</td>' in ages
    assert '<th scope="row">7–30 days</th><td>0</td><td>0</td><td>1</td><td>1</td>' in ages


def test_every_chart_has_a_text_alternative(auditor_client) -> None:  # type: ignore[no-untyped-def]
    _seed(timezone.now())
    page = _page(auditor_client)
    charts = re.findall(r'<figure class="chart[^"]*" id="([^"]+)">', page)
    assert charts == ["chart-weekly", "chart-age", "chart-mttr"]
    for chart_id in charts:
        figure = page[page.index(f'id="{chart_id}"') :]
        figure = figure[: figure.index("</figure>")]
        assert f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"' in figure
        assert re.search(f'<title id="{chart_id}-title">[^<]+</title>', figure)
        assert re.search(f'<desc id="{chart_id}-desc">[^<]+</desc>', figure)
        assert "<details" in figure and "<table>" in figure and "<caption>" in figure


def test_the_checks_panel_lists_every_check_with_its_state(auditor_client) -> None:  # type: ignore[no-untyped-def]
    keys = list(REGISTRY)
    since = timezone.now() - timedelta(days=2)
    CheckState.objects.create(
        key=keys[0], status="failing", status_since=since, last_evaluated_at=since, failing_count=7
    )
    CheckState.objects.create(
        key=keys[1], status="passing", status_since=since, last_evaluated_at=since
    )
    page = _page(auditor_client)
    for key, check in REGISTRY.items():
        assert f'href="/checks/{key}/">{check.title}</a>' in page
    assert "7 failing items" in page
    assert ">Failing</span>" in page and ">Passing</span>" in page
    assert ">Not evaluated yet</span>" in page  # keys[2] has never been evaluated


def test_with_nothing_connected_admins_are_told_to_connect(admin_client) -> None:  # type: ignore[no-untyped-def]
    page = _page(admin_client)
    assert "No integration is connected yet" in page
    assert 'href="/settings/integrations/">Connect an integration</a>' in page
    assert "No incident was reported in the last 12 weeks" in page
    assert "No open incidents right now" in page
    assert "No incident was resolved in the last 90 days" in page
    assert "<svg viewBox" not in page


def test_with_nothing_connected_others_are_told_who_connects(auditor_client, staff_client) -> None:  # type: ignore[no-untyped-def]
    for client in (auditor_client, staff_client):
        page = _page(client)
        assert "Ask a compliance admin to connect one" in page
        assert "Connect an integration" not in page


def test_upstream_text_is_escaped(admin_client) -> None:  # type: ignore[no-untyped-def]
    source = _connection(status=ConnectionStatus.ERROR)
    source.last_error = "<img src=x onerror=alert(1)>"
    source.save()
    SyncRun.objects.create(
        connection=source,
        trigger="schedule",
        kind="incremental",
        outcome="failed",
        started_at=timezone.now(),
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        error="<script>alert(2)</script>",
    )
    _incident(source, created_at=timezone.now(), title="<script>alert(3)</script>")
    page = _page(admin_client)
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "<script>alert(2)" not in page and "&lt;script&gt;alert(2)" in page
    assert "<script>alert(3)" not in page


@pytest.mark.parametrize("role", ["admin", "auditor", "staff"])
def test_every_role_sees_the_dashboard(role, request) -> None:  # type: ignore[no-untyped-def]
    client = request.getfixturevalue(f"{role}_client")
    _seed(timezone.now())
    page = _page(client)
    for heading in ("Checks", "Incidents over time", "Open incidents by age", "Integration health"):
        assert f">{heading}</h2>" in page
    # Links only where the role may follow them: staff see neither connections nor checks.
    link = 'href="/settings/integrations/opsgenie/">OpsGenie</a>'
    assert (link in page) == (role != "staff")
    for key, check in REGISTRY.items():
        assert check.title in page
        assert (f'href="/checks/{key}/"' in page) == (role != "staff")


def test_the_query_count_does_not_grow_with_the_data(auditor_client) -> None:  # type: ignore[no-untyped-def]
    source = _seed(timezone.now())
    auditor_client.get("/")  # warm the session and permission caches
    with CaptureQueriesContext(db_connection) as few:
        _page(auditor_client)
    now = timezone.now()
    Incident.objects.bulk_create(
        Incident(
            connection=source,
            source="opsgenie",
            upstream_id=f"bulk-{n}",
            number=str(n),
            title="Bulk",
            status=("open", "resolved", "closed")[n % 3],
            priority=("high", "medium", "low", "")[n % 4],
            created_at=now - timedelta(hours=n),
            resolved_at=None if n % 3 == 0 else now - timedelta(hours=n // 2),
            content_hash="x",
            changed_at=now,
        )
        for n in range(1, 600)
    )
    _connection("pagerduty", ConnectionStatus.ERROR)
    with CaptureQueriesContext(db_connection) as many:
        _page(auditor_client)
    assert len(many) == len(few)


def test_the_page_needs_only_a_few_queries(admin_client, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    _seed(timezone.now())
    snapshot_refresh()
    # 12 with the two-factor gate's one query per signed-in request (accounts/mfa.py).
    with django_assert_max_num_queries(12):
        _page(admin_client)
