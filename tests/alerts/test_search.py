"""The alert list's search (alerts/search.py): whichever way an alert is found (read from the
search index by id, the list's order walked, a query too short for trigrams), the results are
those of a substring match of the folded text, as before the index."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from alerts import search
from alerts.models import Alert
from integrations.models import Connection
from integrations.sync import writes
from lib.search import fold
from tests.alerts.test_pages import LIST, make_alert
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db

# (message, alias, tiny id) of alert-1 ... alert-6, created in that order.
ALERTS = [
    ("Disk full on Zürich-db", "disk-zurich", "101"),
    ("ZÜRICH gateway down", "GW-Äpfel", "102"),
    ("Straße closed", "route_5%", "7"),
    ('Quote "AND" NEAR(x) * test', "fts-syntax", "1234"),
    ("Heartbeat missed", "payments-42", "42"),
    ("Crème brûlée service", "dessert", "999"),
]
# Each query and the alerts (by number) it finds, newest first: worked out by hand from ALERTS.
EXPECTED = {
    "zurich": [2, 1],
    "ZÜRICH": [2, 1],
    "zü": [2, 1],  # two characters: no trigram
    "ü": [6, 4, 3, 2, 1],  # "u": in brûlée, Quote, route, Zürich twice
    "strasse": [3],
    "STRASSE": [3],
    "%": [3],  # LIKE's wildcards are plain characters
    "_5": [3],
    "e_5%": [3],
    '"and"': [4],  # FTS5's syntax is plain text too
    "near(x) *": [4],
    "and": [4],
    "42": [5],  # a tiny id, two characters
    "10": [2, 1],
    "101": [1],
    "1234": [4],
    "creme brulee": [6],
    "BRÛLÉE": [6],
    "dessert": [6],
    "gw-apfel": [2],
    "nothing-matches-this": [],
    "xq": [],
}


@pytest.fixture(params=["few: read by id", "many: the order walked"])
def path(request, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    """Both ways SQLite's index is read: by id (up to FEW_MATCHES found) and walking the
    list's order (more). PostgreSQL's planner chooses alone; it runs both the same."""
    if request.param.startswith("many"):
        monkeypatch.setattr(search, "FEW_MATCHES", 0)
    return request.param


@pytest.fixture
def opsgenie(db) -> Connection:  # type: ignore[no-untyped-def]
    connection = make_connection()
    for n, (message, alias, tiny_id) in enumerate(ALERTS, start=1):
        make_alert(connection, n, message=message, alias=alias, tiny_id=tiny_id)
    return connection


def found(client, query: str, **filters: str) -> list[int]:  # type: ignore[no-untyped-def]
    response = client.get(LIST, {"q": query, **filters})
    assert response.status_code == 200
    return [
        int(alert.upstream_id.removeprefix("alert-")) for alert in response.context["page"].rows
    ]


@pytest.mark.parametrize(("query", "expected"), EXPECTED.items())
def test_search_finds_what_a_substring_match_of_the_folded_text_finds(
    admin_client, opsgenie, path, query, expected
) -> None:  # type: ignore[no-untyped-def]
    assert found(admin_client, query) == expected
    # And the same as the unindexed substring match of before.
    before = Alert.objects.filter(search_text__contains=fold(query)).order_by("-created_at")
    assert expected == [int(a.upstream_id.removeprefix("alert-")) for a in before]


def test_search_and_filters_together(admin_client, opsgenie, path) -> None:  # type: ignore[no-untyped-def]
    Alert.objects.filter(upstream_id="alert-1").update(status="closed")

    assert found(admin_client, "zurich", status="open") == [2]
    assert found(admin_client, "zurich", status="closed") == [1]
    assert found(admin_client, "zü", status="closed") == [1]
    assert found(admin_client, "zurich", priority="P1") == []


def test_the_index_follows_every_write(admin_client, opsgenie, path) -> None:  # type: ignore[no-untyped-def]
    # Model.save, as an admin or a test writes it.
    alert = Alert.objects.get(upstream_id="alert-5")
    alert.message = "Heartbeat back in Genève"
    alert.save()
    assert found(admin_client, "geneve") == [5]
    assert found(admin_client, "missed") == []
    # The store's UPDATE (integrations.sync.writes), as a sync rewrites a changed alert.
    alert.message = "Heartbeat missed again"
    writes.update_rows(Alert, [alert], ["message", "search_text"])
    assert found(admin_client, "geneve") == []
    assert found(admin_client, "missed again") == [5]
    # The store's INSERT, as a sync writes a new alert.
    new = Alert(**{**_fields(alert), "upstream_id": "alert-7", "message": "Fresh in Genève"})
    writes.insert_rows(Alert, [new])
    assert found(admin_client, "genève") == [7]
    # A delete (never done by the product; a test database's flush does it).
    Alert.objects.filter(upstream_id="alert-7").delete()
    assert found(admin_client, "geneve") == []


def _fields(alert: Alert) -> dict:
    return {
        field.attname: getattr(alert, field.attname)
        for field in Alert._meta.concrete_fields
        if not field.primary_key
    }


def test_pages_of_a_search_follow_one_another(admin_client, path) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection()
    for n in range(1, 61):
        make_alert(connection, n, message=f"Database slow {n}")
    make_alert(connection, 61, message="Something else")

    first = admin_client.get(LIST, {"q": "database slow"})
    cursor = first.context["page"].next_cursor
    second = admin_client.get(LIST, {"q": "database slow", "page": 2, "after": cursor})

    shown = [a.message for a in first.context["page"].rows + second.context["page"].rows]
    assert shown == [f"Database slow {n}" for n in range(60, 0, -1)]
    assert second.context["page"].next_cursor is None
    assert "60 alerts match the filters" in first.content.decode()


def test_a_search_costs_the_same_queries_whatever_it_finds(admin_client, opsgenie, path) -> None:  # type: ignore[no-untyped-def]
    counts = {}
    for query in ("zurich", "nothing-matches-this", "dessert"):
        with CaptureQueriesContext(db_connection) as queries:
            admin_client.get(LIST, {"q": query})
        counts[query] = len(queries)

    assert len(set(counts.values())) == 1, counts


@pytest.mark.skipif(db_connection.vendor != "sqlite", reason="SQLite's own index")
def test_on_sqlite_the_index_finds_the_candidates(opsgenie) -> None:  # type: ignore[no-untyped-def]
    ids = {a.upstream_id: a.pk for a in Alert.objects.all()}

    assert sorted(search.indexed_ids("zurich", 10)) == sorted([ids["alert-1"], ids["alert-2"]])
    assert search.indexed_ids("nothing-matches-this", 10) == []
    assert len(search.indexed_ids("zurich", 1)) == 1


def test_next_links_keep_the_search(admin_client, path) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection()
    for n in range(1, 56):
        make_alert(connection, n, message=f"Zürich {n}")

    page = admin_client.get(LIST, {"q": "zurich"}).content.decode()
    link = page.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    params = parse_qs(urlparse(link.replace("&amp;", "&")).query)

    assert params["q"] == ["zurich"] and params["after"]
