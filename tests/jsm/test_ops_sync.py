"""The Ops API's streams synced from the JSM sandbox: alerts and every configuration kind
stored, the four readiness checks judging them (the sandbox's gap, single-person escalation and
heartbeats failing; no services to judge said so), an account without an Operations role told
what it needs while its incidents sync on, and the Data library's JSM pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.models import Alert
from checks.models import CheckState, FailingItem
from evidence.archive import build_evidence_zip
from incidents.models import Incident
from integrations.models import SyncOutcome
from integrations.providers.jsm.connect import jsm_connect
from integrations.providers.jsm.forms import DEFAULT_JQL
from integrations.providers.jsm.ops_mapping import (
    ESCALATIONS,
    HEARTBEATS,
    INTEGRATIONS,
    ON_CALLS,
    SCHEDULES,
    TEAMS,
    config_record,
)
from integrations.providers.jsm.ops_reader import NEEDS_OPS
from library.models import LibraryObject
from library.readiness_checks import GAPS_KEY, HEARTBEATS_KEY, PATHS_KEY, SECOND_KEY
from library.store import LibraryStore
from tests.evidence.conftest import NOW as EXPORT_NOW
from tests.evidence.conftest import PERIOD, read_csv, read_zip
from tests.jsm.conftest import connect, run_sync

pytestmark = pytest.mark.django_db
KINDS = (TEAMS, ESCALATIONS, SCHEDULES, ON_CALLS, HEARTBEATS, INTEGRATIONS)


def names(kind: str) -> set[str]:
    return set(LibraryObject.objects.filter(kind=kind).values_list("name", flat=True))


def items(key: str) -> dict[str, FailingItem]:
    return {item.label: item for item in FailingItem.objects.filter(check_key=key)}


def url_of(kind: str, name: str) -> str:
    row = LibraryObject.objects.get(kind=kind, name=name)
    return reverse("library:detail", args=[kind, row.pk])


def test_a_sync_stores_the_alerts_and_every_configuration_kind(live) -> None:  # type: ignore[no-untyped-def]
    connection = connect(live)
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED, run.error
    stored = {a.upstream_id: a for a in Alert.objects.filter(connection=connection)}
    assert set(stored) == {a["id"] for a in live.jsm_store.alerts()}
    config = live.jsm_ops
    assert names(TEAMS) == {t["teamName"] for t in config.teams}
    assert names(ESCALATIONS) == {f"{t['teamName']}_escalation" for t in config.teams}
    assert names(SCHEDULES) == {s["name"] for s in config.schedules}
    assert names(ON_CALLS) == {s["name"] for s in config.schedules}
    assert len(names(HEARTBEATS)) == 5 and len(names(INTEGRATIONS)) == 5
    gap = LibraryObject.objects.get(kind=ON_CALLS, name="Data on call")
    assert gap.state == "gap"
    assert LibraryObject.objects.get(kind=HEARTBEATS, name="nightly-backups").state == "expired"
    beat = LibraryObject.objects.get(kind=HEARTBEATS, name="checkout-api-cron")
    assert beat.team == "Payments"
    for kind in KINDS:
        assert run.counts[kind]["created"] == LibraryObject.objects.filter(kind=kind).count()


def test_the_readiness_checks_judge_the_jsm_sandbox(live) -> None:  # type: ignore[no-untyped-def]
    run_sync(connect(live))

    paths = items(PATHS_KEY)
    assert list(paths) == ["Services of Jira Service Management"]
    assert paths["Services of Jira Service Management"].reason.startswith(
        "Cannot judge: Jira Service Management has no services"
    )

    gaps = items(GAPS_KEY)
    assert len(gaps) == 1
    ((label, gap),) = gaps.items()
    now = live.jsm_ops.now_ms // 1000
    start = datetime.fromtimestamp(now + 5 * 86400, UTC)
    end = datetime.fromtimestamp(now + 7 * 86400, UTC)
    assert label.startswith("Data on call: ")
    assert gap.reason.startswith(
        f"Nobody is on call from {start:%d %b %Y %H:%M} UTC to {end:%d %b %Y %H:%M} UTC."
    )
    assert gap.url == url_of(ON_CALLS, "Data on call")

    single = items(SECOND_KEY)
    assert list(single) == ["Mobile_escalation"]
    mobile = next(t for t in live.jsm_ops.teams if t["teamName"] == "Mobile")
    assert single["Mobile_escalation"].reason.startswith(
        f"It notifies only {mobile['members'][0]['name']}, with no repeat and no second rule"
    )
    assert single["Mobile_escalation"].url == url_of(ESCALATIONS, "Mobile_escalation")

    beats = items(HEARTBEATS_KEY)
    assert set(beats) == {"nightly-backups", "edge-cdn-probe"}
    assert beats["nightly-backups"].reason.startswith("Expired")
    assert beats["edge-cdn-probe"].reason.startswith("Disabled")
    states = CheckState.objects.filter(key__in=[PATHS_KEY, GAPS_KEY, SECOND_KEY, HEARTBEATS_KEY])
    assert {state.status for state in states} == {"failing"}


def test_an_account_without_an_operations_role_is_told_what_it_needs(live) -> None:  # type: ignore[no-untyped-def]
    connection = connect(live)
    live.jsm_store.site.users[0]["operations"] = False  # the role taken away after connecting
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED, run.error
    assert Incident.objects.filter(connection=connection).count() == 10
    for stream in ("alerts", *KINDS):
        assert run.counts[stream]["skipped"].endswith(f"it needs {NEEDS_OPS}"), stream
    assert not LibraryObject.objects.exists() and not Alert.objects.exists()
    assert items(HEARTBEATS_KEY)["Heartbeats (JSM) of Jira Service Management"].reason.startswith(
        "Cannot judge: the credentials may not read JSM heartbeats"
    )


def test_a_removed_heartbeat_is_marked_and_the_pages_show_it(live, admin_client) -> None:  # type: ignore[no-untyped-def]
    connection = connect(live)
    run_sync(connection)
    data = next(t for t in live.jsm_ops.teams if t["teamName"] == "Data")
    live.jsm_ops.heartbeats[data["teamId"]] = []
    run_sync(connection)
    gone = LibraryObject.objects.get(kind=HEARTBEATS, name="nightly-backups")
    assert gone.removed_upstream
    listing = admin_client.get(reverse("library:list", args=[HEARTBEATS])).content.decode()
    assert "Heartbeats (JSM)" in listing and "Removed upstream" in listing
    detail = admin_client.get(url_of(HEARTBEATS, "nightly-backups")).content.decode()
    assert "No longer listed by Jira Service Management" in detail
    for kind in KINDS:
        assert admin_client.get(reverse("library:list", args=[kind])).status_code == 200


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(db_connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _escalation(n: int, team: int) -> object:
    raw = {
        "id": f"esc-{n}",
        "name": f"Escalation {n}",
        "_team": {"id": f"team-{team}", "name": f"Team {team}"},
        "rules": [{"recipient": {"type": "user", "id": f"user-{n}"}, "delay": {}}],
    }
    return config_record(ESCALATIONS, f"esc-{n}", raw)


def test_jsm_pages_cost_the_same_queries_for_few_and_many_rows(live, admin_client) -> None:  # type: ignore[no-untyped-def]
    connection = connect(live)
    teams = LibraryStore(TEAMS)
    escalations = LibraryStore(ESCALATIONS)

    def team(n: int) -> object:
        raw = {"teamId": f"team-{n}", "teamName": f"Team {n}", "members": []}
        return config_record(TEAMS, f"team-{n}", raw)

    teams.save(connection=connection, records=[team(1)])
    escalations.save(connection=connection, records=[_escalation(1, 1)])
    listing = reverse("library:list", args=[ESCALATIONS])
    row = LibraryObject.objects.get(kind=TEAMS, upstream_id="team-1")
    detail = reverse("library:detail", args=[TEAMS, row.pk])
    few = (_queries(admin_client, listing), _queries(admin_client, detail))
    teams.save(connection=connection, records=[team(n) for n in range(1, 30)])
    escalations.save(connection=connection, records=[_escalation(n, n % 3 + 1) for n in range(40)])
    assert (_queries(admin_client, listing), _queries(admin_client, detail)) == few


def test_the_evidence_export_has_a_csv_per_jsm_kind(live, admin_user) -> None:  # type: ignore[no-untyped-def]
    connection = connect(live)
    run_sync(connection)
    data = next(t for t in live.jsm_ops.teams if t["teamName"] == "Data")
    live.jsm_ops.heartbeats[data["teamId"]] = []
    run_sync(connection)
    with build_evidence_zip(period=PERIOD, generated_by=admin_user, now=EXPORT_NOW) as file:
        archive = read_zip(file.read())
    beats = {row["name"]: row for row in read_csv(archive, f"library_{HEARTBEATS}.csv")}
    assert set(beats) == {b["name"] for bs in live.jsm_ops.heartbeats.values() for b in bs} | {
        "nightly-backups"
    }
    gone = beats["nightly-backups"]
    assert (gone["source"], gone["team"], gone["removed_upstream"]) == (
        "Jira Service Management",
        "Data",
        "yes",
    )
    assert beats["edge-cdn-probe"]["state"] == "disabled"
    escalations = read_csv(archive, f"library_{ESCALATIONS}.csv")
    mobile = next(row for row in escalations if row["name"] == "Mobile_escalation")
    person = next(t for t in live.jsm_ops.teams if t["teamName"] == "Mobile")["members"][0]
    assert f"recipient: {person['name']} (after 0 minutes)" in mobile["relations"]


def test_the_review_step_lists_each_ops_stream_with_what_it_needs(admin_client) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get("/settings/integrations/jsm/connect/").content.decode()
    needs = "<td>An API token of an account with an Operations role (Global or Team)</td>"
    labels = {
        "alerts": "Alerts",
        TEAMS: "Teams",
        ESCALATIONS: "Escalations (up to 200 teams a run)",
        SCHEDULES: "Schedules",
        ON_CALLS: "On-calls (next 14 days)",
        HEARTBEATS: "Heartbeats (up to 200 teams a run)",
        INTEGRATIONS: "Integrations",
    }
    for stream, label in labels.items():
        assert f'<label for="id_on_{stream}">{label}</label></th>\n            {needs}' in page
        assert f'value="{stream}" id="id_on_{stream}" checked>' in page
    assert "Incidents (work items found by the JQL)</th>" in page  # always read: no switch
    assert 'value="incidents"' not in page


def test_a_stream_switched_off_is_not_read(live) -> None:  # type: ignore[no-untyped-def]
    keys = live.keys
    connection = jsm_connect(
        site=keys.jsm_site,
        email=keys.jsm_email,
        api_token=keys.jsm_api_token,
        jql=DEFAULT_JQL,
        user=None,
        streams_off=[HEARTBEATS, "alerts"],
    )
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED, run.error
    assert not LibraryObject.objects.filter(kind=HEARTBEATS).exists()
    assert not Alert.objects.exists()
    assert LibraryObject.objects.filter(kind=ESCALATIONS).count() == 6
    assert not any("/heartbeats" in path for path in live.jsm_ops_requests)
    # Only the wizard's check of the Operations role asked for alerts.
    assert [p.split("?")[1] for p in live.jsm_ops_requests if "/alerts" in p] == ["size=1"]


def test_a_jsm_alert_s_page_says_its_logs_are_not_synced(live, admin_client) -> None:  # type: ignore[no-untyped-def]
    run_sync(connect(live))
    alert = Alert.objects.order_by("pk").first()
    assert alert is not None and alert.provider == "jsm"
    # No logs, notes or recipients are read for JSM: none waits for them.
    assert not Alert.objects.filter(details_wanted_at__isnull=False).exists()
    page = admin_client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert "Logs, notes and recipients are not synced from this alert's source" in page
    assert "at a coming sync" not in page and page.count('<p class="empty">Not synced.</p>') == 3
    listing = admin_client.get(reverse("alerts:list")).content.decode()
    assert alert.message in listing
    assert "Alerts are read from OpsGenie and Jira Service Management" in listing
