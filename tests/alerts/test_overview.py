"""The alerts' row of the Data library's overview: how many alerts each source connection holds
present upstream, and when alerts were last synced."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.models import Alert
from integrations.models import Connection, SyncRun
from tests.alerts.test_pages import START, make_alert
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db

OVERVIEW = "/incidents/library/"


def alerts_row(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get(OVERVIEW)
    assert page.status_code == 200
    rows = re.findall(r"<tr>.*?</tr>", page.content.decode(), flags=re.S)
    (row,) = [r for r in rows if f'href="{reverse("alerts:list")}">Alerts</a>' in r]
    return " ".join(row.split())


def sync_run(connection: Connection, minutes: int, outcome: str, counts: dict) -> None:
    SyncRun.objects.create(
        connection=connection,
        trigger="manual",
        kind="incremental",
        started_at=START,
        heartbeat_at=START,
        finished_at=START + timedelta(minutes=minutes),
        outcome=outcome,
        counts=counts,
    )


@pytest.mark.parametrize("who", ["admin_client", "auditor_client", "staff_client"])
def test_the_overview_counts_each_connection_s_alerts_present_upstream(request, who) -> None:  # type: ignore[no-untyped-def]
    client = request.getfixturevalue(who)
    opsgenie, jsm = make_connection(), make_connection(provider="jsm", region="cloud")
    make_connection(provider="pagerduty")  # holds no alerts: not listed
    for n in range(1, 4):
        make_alert(opsgenie, n)
    make_alert(opsgenie, 4, deleted_upstream=True)  # no longer upstream: not counted
    for n in range(5, 7):
        make_alert(jsm, n)

    row = alerts_row(client)

    listed = reverse("alerts:list")
    assert "<td>5 " in row  # 3 + 2
    assert f'<a href="{listed}?connection={opsgenie.pk}">OpsGenie US (#{opsgenie.pk})</a>: 3' in row
    jsm_label = f"Jira Service Management CLOUD (#{jsm.pk})"
    assert f'<a href="{listed}?connection={jsm.pk}">{jsm_label}</a>: 2' in row
    assert row.count("<li>") == 2 and "—" not in row


def test_the_overview_says_when_alerts_were_last_synced(admin_client) -> None:  # type: ignore[no-untyped-def]
    opsgenie = make_connection()
    make_alert(opsgenie, 1)
    sync_run(opsgenie, 1, "succeeded", {"alerts": {"fetched": 1}})
    sync_run(opsgenie, 2, "partial", {"alerts": {"fetched": 0}, "teams": {"fetched": 1}})
    # Later, but neither read alerts: a failed run, and one that read teams alone.
    sync_run(opsgenie, 3, "failed", {"alerts": {"fetched": 0}})
    sync_run(opsgenie, 4, "succeeded", {"teams": {"fetched": 1}})

    assert "Last synced 1 May 2026, 00:02" in alerts_row(admin_client)


def test_before_any_alert_the_overview_says_so(admin_client, db) -> None:  # type: ignore[no-untyped-def]
    row = alerts_row(admin_client)

    assert "<td>0</td>" in row and "Not synced yet." in row


def _queries(client) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(db_connection) as captured:
        assert client.get(OVERVIEW).status_code == 200
    return len(captured.captured_queries)


def test_the_overview_costs_the_same_queries_for_few_and_many(admin_client) -> None:  # type: ignore[no-untyped-def]
    opsgenie = make_connection()
    make_alert(opsgenie, 1)
    few = _queries(admin_client)

    jsm = make_connection(provider="jsm", region="cloud")
    for connection in (opsgenie, jsm):
        for n in range(2, 40):
            make_alert(connection, n, deleted_upstream=n % 5 == 0)

    assert _queries(admin_client) == few
    assert Alert.objects.count() == 1 + 2 * 38
