"""A page's records found by upstream id among what its connection holds (the LATERAL lookup on
PostgreSQL, the plain query elsewhere): the same answer on both databases, never another
connection's record with the same upstream id."""

from __future__ import annotations

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from access.models import Account
from incidents.models import Incident
from integrations.sync.page_lookup import SeenIds, among_upstream_ids, pks_by_upstream_id
from tests.conftest import make_connection, make_incident

pytestmark = pytest.mark.django_db


def test_each_upstream_id_held_maps_to_its_row_of_this_connection_only() -> None:
    mine, other = make_connection(), make_connection(provider="pagerduty")
    rows = {n: make_incident(mine, n) for n in (1, 2, 3)}  # upstream ids id-1, id-2, id-3
    make_incident(other, 1)  # the same upstream id, another connection
    found = pks_by_upstream_id(
        Incident, connection_id=mine.pk, upstream_ids=["id-1", "id-3", "id-404", "id-3"]
    )
    assert found == {"id-1": rows[1].pk, "id-3": rows[3].pk}
    assert pks_by_upstream_id(Incident, connection_id=mine.pk, upstream_ids=[]) == {}


def test_it_serves_any_model_keyed_by_connection_and_upstream_id() -> None:
    connection = make_connection()
    account = Account.objects.create(
        connection=connection, upstream_id="user-'1\\", email="a@example.com", name="A", role=""
    )
    found = pks_by_upstream_id(
        Account, connection_id=connection.pk, upstream_ids=["user-'1\\", "user-2"]
    )
    assert found == {"user-'1\\": account.pk}


def test_the_rows_held_are_narrowed_to_the_page_and_keep_their_own_filters() -> None:
    mine, other = make_connection(), make_connection(provider="pagerduty")
    rows = {n: make_incident(mine, n, status="open" if n != 2 else "resolved") for n in (1, 2, 3)}
    make_incident(other, 1)
    held = among_upstream_ids(
        Incident.objects.filter(status="open"),
        connection_id=mine.pk,
        upstream_ids=["id-1", "id-2", "id-404"],
    )
    assert list(held.values_list("pk", flat=True)) == [rows[1].pk]


def test_a_page_none_of_which_is_held_is_answered_by_one_query(
    django_assert_num_queries,
) -> None:
    connection = make_connection()
    make_incident(make_connection(provider="pagerduty"), 1)  # id-1, another connection's
    with django_assert_num_queries(1):
        held = among_upstream_ids(
            Incident.objects.all(), connection_id=connection.pk, upstream_ids=["id-1", "id-2"]
        )
        assert list(held) == []


def test_what_a_first_read_has_seen_is_always_said_seen_and_little_else_is() -> None:
    seen = SeenIds()
    given = [f"incident-{n}" for n in range(50_000)]
    seen.add(given)
    assert all(seen.may_hold(upstream_id) for upstream_id in given)
    others = [f"other-{n}" for n in range(20_000)]
    # 3 positions in 2**22 bits, 50,000 ids given: about 1 in 20,000 of the others by the
    # Bloom filter's arithmetic; under 1 in 1,000 whatever the hash seed.
    assert sum(seen.may_hold(upstream_id) for upstream_id in others) < 20


@pytest.mark.skipif(
    db_connection.vendor != "postgresql", reason="SQLite looks every page up (page_lookup.py)"
)
def test_a_first_read_looks_up_only_the_ids_it_gave_before(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection()
    seen = SeenIds()
    with django_assert_num_queries(0):
        held = among_upstream_ids(
            Incident.objects.all(),
            connection_id=connection.pk,
            upstream_ids=["id-1", "id-2"],
            seen=seen,
        )
        assert list(held) == []
    row = make_incident(connection, 2)  # the first page's write
    with CaptureQueriesContext(db_connection) as queries:
        held = among_upstream_ids(
            Incident.objects.all(),
            connection_id=connection.pk,
            upstream_ids=["id-2", "id-3"],
            seen=seen,
        )
        assert list(held) == [row]
    # id-3 comes for the first time: nothing to look for.
    assert queries.captured_queries
    assert all("id-3" not in query["sql"] for query in queries.captured_queries)
