"""`make bench` prints the plans of the slowest pages on PostgreSQL (tests/bench/plans.py): it
explains the page's slowest SELECT, and never runs EXPLAIN ANALYZE on a write, which would
execute it again."""

from __future__ import annotations

import pytest
from django.db import connection as db_connection

from tests.bench import plans
from tests.conftest import make_connection, make_incident


def test_the_slowest_select_is_explained_never_a_write() -> None:
    queries = [
        {"sql": "SELECT 1 FROM incidents_incident", "time": "0.004"},
        {"sql": "UPDATE django_session SET expire_date = now()", "time": "0.090"},
        {"sql": '  select count(*) FROM "incidents_incident"', "time": "0.012"},
        {"sql": "INSERT INTO audit_entry VALUES (1)", "time": "0.050"},
    ]
    assert plans.slowest_query(queries) == '  select count(*) FROM "incidents_incident"'
    assert plans.slowest_query(queries[1::2]) is None


def test_the_slowest_pages_are_those_of_the_largest_median() -> None:
    timings = {"a": (12.0, 20.0), "b": (40.5, 41.0), "c": (3.0, 90.0), "d": (25.0, 30.0)}
    assert plans.slowest_pages(timings, ["a", "b", "c", "d"], 2) == ["b", "d"]


@pytest.mark.django_db
@pytest.mark.skipif(db_connection.vendor != "postgresql", reason="bench_pages explains on it only")
def test_a_pages_plan_is_postgresql_s_own_with_its_timings(admin_client) -> None:  # type: ignore[no-untyped-def]
    make_incident(make_connection(), 1)
    lines = plans.explain(admin_client, "/incidents/?q=checkout")
    assert lines[0].split(": ", 1)[1].upper().startswith("SELECT")
    assert any("actual time=" in line for line in lines[1:])
    assert any("Execution Time" in line for line in lines[1:])
