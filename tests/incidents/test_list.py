"""The incident list: search, filters, sorting, pages, HTMX, invalid input and its query count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from checks.engine import evaluate
from checks.models import CheckState, SpecialCase
from incidents.checks import CLOSED_KEY, DATA_LOSS_KEY
from incidents.models import DataLossReport, Incident
from integrations.models import Connection, ProviderService
from tests.conftest import make_connection, make_incident, new_incident

pytestmark = pytest.mark.django_db


def _incident(connection: Connection, n: int, **fields) -> Incident:  # type: ignore[no-untyped-def]
    values = {
        "title": f"Incident {n}",
        "status": "resolved",
        "priority": "medium",
        "created_at": timezone.now() - timedelta(hours=n),
        "resolved_at": timezone.now() - timedelta(hours=n) + timedelta(minutes=5),
        **fields,
    }
    return make_incident(connection, n, **values)


def _rows(client, query: str = "", **headers) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/incidents/{query}", **headers)
    assert response.status_code == 200
    return response.content.decode()


def _shown(page: str, *numbers: int) -> list[int]:
    """Which of ``numbers`` the page lists, in the order shown."""
    found = {n: page.find(f">#{n} Incident") for n in numbers}
    return [n for n, at in sorted(found.items(), key=lambda item: item[1]) if at >= 0]


def test_it_searches_title_number_and_description(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    _incident(connection, 1, title="Incident 1 database down")
    _incident(connection, 2, description="Root cause: the DATABASE filled up")
    _incident(connection, 3)
    _incident(connection, 40)
    page = _rows(staff_client, "?q=database")
    assert _shown(page, 1, 2, 3, 40) == [1, 2]
    assert _shown(_rows(staff_client, "?q=%2340"), 1, 2, 3, 40) == [40]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=open", [1]),
        ("?priority=high", [2]),
        ("?priority=unknown", [3]),
        ("?service=Checkout+API", [1]),
        ("?service=Billing", [1, 2]),
        ("?source=opsgenie", [1, 2, 3]),
    ],
)
def test_each_column_filter_narrows_the_list(staff_client, connection, query, expected) -> None:  # type: ignore[no-untyped-def]
    _services(connection, "Checkout API", "Billing")
    _incident(connection, 1, status="open", resolved_at=None, services=["Checkout API", "Billing"])
    _incident(connection, 2, priority="high", services=["Billing"])
    _incident(connection, 3, priority="")
    assert _shown(_rows(staff_client, query), 1, 2, 3) == expected


def _services(connection: Connection, *names: str) -> None:
    """Services as the services stream stores them: the service filter's choices."""
    ProviderService.objects.bulk_create(
        ProviderService(
            connection=connection, upstream_id=f"S{n}", name=name, synced_at=timezone.now()
        )
        for n, name in enumerate(names)
    )


def test_the_service_filter_offers_the_known_services(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    _services(connection, "Checkout API", "billing", "Auth")
    other = make_connection(provider="pagerduty")
    _services(other, "Checkout API")  # the same name in two accounts is one choice
    page = _rows(staff_client)
    select = re.search(r'<select name="service".*?</select>', page, re.S).group(0)  # type: ignore[union-attr]
    options = re.findall(r'<option value="([^"]*)"', select)
    assert options == ["", "Auth", "billing", "Checkout API"]


def test_an_unknown_service_is_refused_with_a_message(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    _services(connection, "Checkout API")
    _incident(connection, 1, services=["Checkout API"])
    _incident(connection, 2, services=["Billing"])
    page = _rows(staff_client, "?service=Checkout")
    assert "were not understood and are ignored" in page
    assert "Service: “Checkout” is not a service of the connected integrations" in page
    assert _shown(page, 1, 2) == [1, 2]  # the other filters still apply; this one is dropped


def test_it_filters_and_shows_data_loss(auditor_client, connection) -> None:  # type: ignore[no-untyped-def]
    for n, answer in ((1, "yes"), (2, "no"), (3, "not_assessed")):
        DataLossReport.objects.create(incident=_incident(connection, n), data_lost=answer)
    _incident(connection, 4)
    for query, expected in (
        ("yes", [1]),
        ("no", [2]),
        ("not_assessed", [3]),
        ("none", [4]),
        ("", [1, 2, 3, 4]),
    ):
        assert _shown(_rows(auditor_client, f"?data_loss={query}"), 1, 2, 3, 4) == expected
    page = _rows(auditor_client)
    assert "Data loss" in page and "Not assessed" in page and "No report" in page


def test_it_filters_by_failing_check_and_shows_the_checks(admin_client, connection) -> None:  # type: ignore[no-untyped-def]
    _incident(connection, 1, status="open", resolved_at=None)
    lost = _incident(connection, 2)
    DataLossReport.objects.create(incident=lost, data_lost="yes")
    _incident(connection, 3)
    evaluate()
    assert _shown(_rows(admin_client, "?check=any"), 1, 2, 3) == [1, 2]
    assert _shown(_rows(admin_client, f"?check={CLOSED_KEY}"), 1, 2, 3) == [1]
    assert _shown(_rows(admin_client, f"?check={DATA_LOSS_KEY}"), 1, 2, 3) == [2]
    page = _rows(admin_client)
    assert "Failing (1)" in page and "Reported incident should be closed" in page
    assert "Passing" in page


def test_a_special_case_counts_as_passing(admin_client, connection, admin_user) -> None:  # type: ignore[no-untyped-def]
    _incident(connection, 1, status="open", resolved_at=None)
    evaluate()
    SpecialCase.objects.create(
        check_state=CheckState.objects.get(key=CLOSED_KEY),
        item_key=f"incident:{Incident.objects.get().pk}",
        label="#1",
        reason="Out of scope",
        created_by=admin_user,
    )
    assert _shown(_rows(admin_client, "?check=any"), 1) == []
    assert "Passing" in _rows(admin_client)


def test_it_filters_by_reported_date_range_inclusive(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    _incident(connection, 1, created_at=now - timedelta(days=1))
    _incident(connection, 2, created_at=now - timedelta(days=10))
    _incident(connection, 3, created_at=now - timedelta(days=30))
    start = (now - timedelta(days=12)).date().isoformat()
    end = (now - timedelta(days=10)).date().isoformat()
    assert _shown(_rows(staff_client, f"?created_from={start}&created_to={end}"), 1, 2, 3) == [2]
    assert _shown(_rows(staff_client, f"?created_from={start}"), 1, 2, 3) == [1, 2]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [1, 2, 3, 10]),
        ("?sort=reported&order=asc", [10, 3, 2, 1]),
        ("?sort=priority&order=desc", [1, 2, 10, 3]),
        ("?sort=priority&order=asc", [3, 10, 1, 2]),
        ("?sort=status&order=asc", [1, 2, 3, 10]),
        ("?sort=number&order=desc", [10, 3, 2, 1]),
        ("?sort=number&order=asc", [1, 2, 3, 10]),
    ],
)
def test_it_sorts(staff_client, connection, query, expected) -> None:  # type: ignore[no-untyped-def]
    _incident(connection, 1, status="open", resolved_at=None, priority="high")
    _incident(connection, 2, priority="high")
    _incident(connection, 3, priority="", status="closed")
    _incident(connection, 10, priority="low", status="closed")
    assert _shown(_rows(staff_client, query), 1, 2, 3, 10) == expected


def test_column_headers_sort_and_keep_the_filters(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    _incident(connection, 1)
    page = _rows(staff_client, "?status=resolved&sort=priority&order=desc")
    assert 'aria-sort="descending"' in page
    assert 'href="?status=resolved&amp;sort=priority&amp;order=asc"' in page
    assert 'href="?status=resolved&amp;sort=status&amp;order=asc"' in page


def test_pages_keep_the_filters_and_sort(auditor_client, connection) -> None:  # type: ignore[no-untyped-def]
    for n in range(1, 121):
        _incident(connection, n, priority="high" if n % 2 else "low")
    page = _rows(auditor_client, "?priority=high&q=Incident&sort=number&order=asc")
    assert "60 incidents match the filters" in page and "Page 1 of 2" in page
    assert 'href="?priority=high&amp;q=Incident&amp;sort=number&amp;order=asc&amp;page=2"' in page
    second = _rows(auditor_client, "?priority=high&q=Incident&sort=number&order=asc&page=2")
    assert ">#119 Incident" in second and ">#1 Incident" not in second
    assert ">#2 Incident" not in second


def test_a_deep_page_is_read_from_the_other_end_in_the_same_order(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    for n in range(1, 131):
        _incident(connection, n)
    last = _rows(staff_client, "?page=3")
    assert "Page 3 of 3" in last
    assert _shown(last, *range(1, 131)) == list(range(101, 131))


def test_htmx_gets_only_the_table(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    _incident(connection, 1, status="open", resolved_at=None)
    _incident(connection, 2)
    page = _rows(staff_client, "?status=open", HTTP_HX_REQUEST="true")
    assert page.lstrip().startswith('<div id="incident-table">') and "<html" not in page
    assert _shown(page, 1, 2) == [1]
    full = _rows(staff_client)
    assert 'hx-get="/incidents/"' in full and 'hx-push-url="true"' in full
    assert 'hx-target="#incident-table"' in full and 'method="get"' in full


def test_invalid_filters_are_named_and_ignored(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    _incident(connection, 1)
    page = _rows(
        staff_client,
        "?status=<b>bogus</b>&created_from=yesterday&sort=nope&priority=high&page=x&check=x",
    )
    assert "were not understood and are ignored" in page
    assert "Status:" in page and "Reported from:" in page and "Sort by:" in page
    assert "<b>bogus</b>" not in page and "&lt;b&gt;bogus&lt;/b&gt;" in page
    assert "No incidents match these filters" in page  # priority=high still applies
    page = _rows(staff_client, "?created_from=2025-05-02&created_to=2025-05-01")
    assert "The “to” date is before the “from” date." in page


def test_upstream_text_is_escaped_in_every_column(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    _services(connection, "<i>x</i>")
    _incident(connection, 1, title="<script>alert(1)</script>", services=["<i>x</i>"])
    page = _rows(staff_client, "?q=%3Cscript%3E&service=%3Ci%3Ex%3C/i%3E")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<i>x</i>" not in page


@pytest.mark.parametrize("role", ["admin", "auditor", "staff"])
def test_every_role_may_read_the_list(request, role, connection) -> None:  # type: ignore[no-untyped-def]
    _incident(connection, 1)
    client = request.getfixturevalue(f"{role}_client")
    assert ">#1 Incident 1" in _rows(client)


def _many(connection: Connection, count: int) -> None:
    now = timezone.now()
    incidents = [
        new_incident(
            connection,
            n,
            upstream_id=f"bulk-{n}",
            status="open" if n % 3 else "resolved",
            priority=("high", "medium", "low", "")[n % 4],
            created_at=now - timedelta(minutes=n),
            resolved_at=None if n % 3 else now,
        )
        for n in range(1, count + 1)
    ]
    Incident.objects.bulk_create(incidents)
    DataLossReport.objects.bulk_create(
        DataLossReport(incident=incident, data_lost="yes")
        for incident in Incident.objects.filter(number__endswith="7")
    )
    evaluate()


QUERIES = ["", "?check=any&data_loss=yes&sort=priority", "?q=Incident&page=2", "?page=4"]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("count", [10, 200])
def test_the_query_count_does_not_grow_with_the_data(
    staff_client, connection, django_assert_max_num_queries, query, count
) -> None:  # type: ignore[no-untyped-def]
    _many(connection, count)
    staff_client.get("/incidents/")  # the session's first use
    # session, user, permissions (2), the role's group (navigation), the review items waiting
    # for the user ("My reviews", one indexed count), the service choices, then the list's five:
    # count, page ids, rows, data loss, failing checks; and the two-factor gate's one query
    # (accounts/mfa.py: an authenticator? the policy?).
    with django_assert_max_num_queries(13):
        assert staff_client.get(f"/incidents/{query}").status_code == 200


def test_incidents_reporting_data_loss_upstream_can_be_listed_and_stand_out(  # type: ignore[no-untyped-def]
    auditor_client, connection
) -> None:
    flagged = make_incident(connection, 1, title="Data breach: 40 records exposed")
    assessed = make_incident(connection, 2, title="Possible data loss in billing")
    make_incident(connection, 3, title="Disk full")
    DataLossReport.objects.create(incident=assessed, data_lost="no", no_loss_explanation="Checked")
    page = auditor_client.get("/incidents/?data_loss=reported").content.decode()
    assert f"/incidents/{flagged.pk}/" in page and f"/incidents/{assessed.pk}/" in page
    assert "Disk full" not in page
    assert page.count("Reported upstream: not assessed") == 1
