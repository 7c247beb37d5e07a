"""The Data library's alert pages, as each role sees them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.list_pages import PER_PAGE
from alerts.models import Alert
from integrations.models import Connection, SyncRun
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db

START = datetime(2026, 5, 1, tzinfo=UTC)
LIST = "/incidents/library/alerts/"


def make_alert(connection: Connection, n: int, **fields: object) -> Alert:
    values: dict = {
        "connection": connection,
        "provider": connection.provider,
        "upstream_id": f"alert-{n}",
        "tiny_id": str(n),
        "alias": f"alias-{n}",
        "message": f"Alert number {n}",
        "status": "open",
        "priority": "P3",
        "upstream_source": "Datadog",
        "created_at": START + timedelta(minutes=n),
        "content_hash": "x",
        "first_seen_at": START,
        "changed_at": START,
        "raw": {"id": f"alert-{n}", "message": f"Alert number {n}"},
    }
    values.update(fields)
    return Alert.objects.create(**values)


@pytest.fixture
def opsgenie(db) -> Connection:  # type: ignore[no-untyped-def]
    return make_connection()


def messages_on(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [alert.message for alert in response.context["page"].rows]


@pytest.mark.parametrize("who", ["admin_client", "auditor_client", "staff_client"])
def test_every_role_reads_the_list_and_an_alert(request, opsgenie, who: str) -> None:  # type: ignore[no-untyped-def]
    client = request.getfixturevalue(who)
    alert = make_alert(opsgenie, 1)

    listed = client.get(LIST)
    shown = client.get(reverse("alerts:detail", args=[alert.pk]))

    assert listed.status_code == 200 and "Alert number 1" in listed.content.decode()
    assert shown.status_code == 200 and "alias-1" in shown.content.decode()
    assert client.post(LIST).status_code == 405


def test_the_navigation_links_the_data_library(staff_client) -> None:  # type: ignore[no-untyped-def]
    page = staff_client.get(LIST).content.decode()

    assert f'href="{LIST}"' in page and "Data library" in page


def test_an_empty_library_says_how_alerts_get_there(admin_client, db) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get(LIST).content.decode()

    assert "No alerts synced yet — connect OpsGenie" in page
    assert reverse("integrations:catalog") in page
    assert "Not synced yet." in page


def test_search_finds_message_alias_and_tiny_id_whatever_the_case(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    make_alert(opsgenie, 1, message="Disk full on Zürich-db")
    make_alert(opsgenie, 2, alias="checkout-latency")
    make_alert(opsgenie, 345)

    assert messages_on(admin_client.get(LIST, {"q": "zurich"})) == ["Disk full on Zürich-db"]
    assert messages_on(admin_client.get(LIST, {"q": "CHECKOUT"})) == ["Alert number 2"]
    assert messages_on(admin_client.get(LIST, {"q": "345"})) == ["Alert number 345"]


def test_filters_narrow_by_status_priority_acknowledged_and_connection(
    admin_client, opsgenie
) -> None:  # type: ignore[no-untyped-def]
    other = make_connection(provider="pagerduty")
    make_alert(opsgenie, 1, status="closed", priority="P1", acknowledged=True)
    make_alert(opsgenie, 2, status="open", priority="P1")
    make_alert(other, 3, status="open", priority="P5", acknowledged=True)

    assert messages_on(admin_client.get(LIST, {"status": "closed"})) == ["Alert number 1"]
    assert messages_on(admin_client.get(LIST, {"priority": "P1", "acknowledged": "no"})) == [
        "Alert number 2"
    ]
    assert messages_on(admin_client.get(LIST, {"connection": other.pk})) == ["Alert number 3"]
    both = admin_client.get(LIST, {"acknowledged": "yes"})
    assert messages_on(both) == ["Alert number 3", "Alert number 1"]
    assert "2 alerts match the filters" in both.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"status": "exploded"},
        {"priority": "P9"},
        {"connection": "not-a-number"},
        {"acknowledged": "maybe"},
        {"after": "garbage"},
        {"after": "99999999999999999.1", "page": "x"},
        {"q": "x" * 500},
    ],
)
def test_refused_filter_values_are_named_and_never_break_the_page(
    admin_client, opsgenie, params
) -> None:  # type: ignore[no-untyped-def]
    make_alert(opsgenie, 1)

    response = admin_client.get(LIST, params)

    assert response.status_code == 200
    if "after" not in params:
        assert 'role="alert"' in response.content.decode()


def test_pages_follow_newest_first_and_the_count_stops_at_a_thousand(
    admin_client, opsgenie, settings
) -> None:  # type: ignore[no-untyped-def]
    Alert.objects.bulk_create(make_alert_row(opsgenie, n) for n in range(1, 1011))
    first = admin_client.get(LIST)
    second = admin_client.get(LIST, {"after": first.context["page"].next_cursor, "page": 2})

    assert "More than 1,000 alerts" in first.content.decode()
    assert messages_on(first)[0] == "Alert number 1010"
    assert messages_on(second)[0] == f"Alert number {1010 - PER_PAGE}"
    assert len(messages_on(second)) == PER_PAGE
    assert "Page 2" in second.content.decode()


def test_next_links_walk_every_alert_once_newest_first_across_alerts_of_the_same_moment(
    admin_client, opsgenie
) -> None:  # type: ignore[no-untyped-def]
    """Alerts created in the same instant (seven at each moment here) straddle the pages'
    ends: each comes once, the same moment's in descending id order."""
    rows = [make_alert_row(opsgenie, n) for n in range(1, 2 * PER_PAGE + 20)]
    for n, row in enumerate(rows):
        row.created_at = START + timedelta(minutes=n // 7)
    Alert.objects.bulk_create(rows)
    stored = Alert.objects.values_list("pk", "created_at", "message")
    expected = [message for _pk, _at, message in sorted(stored, key=lambda r: (r[1], r[0]))]
    expected.reverse()
    seen, params = [], {}
    for page in range(2, 10):
        response = admin_client.get(LIST, params)
        seen += messages_on(response)
        cursor = response.context["page"].next_cursor
        if cursor is None:
            break
        params = {"after": cursor, "page": page}
    assert seen == expected


def make_alert_row(connection: Connection, n: int) -> Alert:
    return Alert(
        connection=connection,
        provider="opsgenie",
        upstream_id=f"bulk-{n}",
        tiny_id=str(n),
        message=f"Alert number {n}",
        status="open",
        created_at=START + timedelta(minutes=n),
        content_hash="x",
        first_seen_at=START,
        changed_at=START,
        search_text=f"alert number {n}",
    )


def test_the_list_costs_the_same_queries_at_any_size(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    make_alert(opsgenie, 1)
    with CaptureQueriesContext(db_connection) as few:
        admin_client.get(LIST, {"status": "open"})
    Alert.objects.bulk_create(make_alert_row(opsgenie, n) for n in range(2, 400))
    with CaptureQueriesContext(db_connection) as many:
        admin_client.get(LIST, {"status": "open"})

    assert len(many) == len(few)


def test_an_alert_shows_its_upstream_fields_escaped(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    alert = make_alert(
        opsgenie,
        1,
        message="<script>alert(1)</script>",
        raw={"id": "alert-1", "details": {"note": "<img src=x onerror=alert(1)>"}},
        deleted_upstream=True,
        deleted_upstream_at=START,
    )

    page = admin_client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()

    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "No longer found in OpsGenie" in page


def test_an_unknown_alert_is_a_404(admin_client, db) -> None:  # type: ignore[no-untyped-def]
    assert admin_client.get(reverse("alerts:detail", args=[999])).status_code == 404


def test_the_list_says_when_alerts_were_last_synced(admin_client, opsgenie) -> None:  # type: ignore[no-untyped-def]
    make_alert(opsgenie, 1)
    SyncRun.objects.create(
        connection=opsgenie,
        trigger="manual",
        kind="incremental",
        started_at=START,
        heartbeat_at=START,
        finished_at=START + timedelta(minutes=1),
        outcome="succeeded",
        counts={"alerts": {"fetched": 1}},
    )

    page = admin_client.get(LIST).content.decode()

    assert "Last synced 1 May 2026, 00:01" in page
