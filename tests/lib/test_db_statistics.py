"""SQLite's query statistics, gathered by the daily evaluation (lib/db_statistics.py): after it
SQLite knows how the incidents' indexes divide them; PostgreSQL is left to its autovacuum."""

from __future__ import annotations

import pytest
from django.db import connection

from checks.tasks import evaluate_all_task
from lib.db_statistics import refresh_statistics
from tests.conftest import make_connection, make_incident

pytestmark = pytest.mark.django_db


def _incident_statistics() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchall():
            return []
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'incidents_incident'")
        return sorted(row[0] for row in cursor.fetchall())


def test_the_daily_evaluation_gathers_sqlite_statistics() -> None:
    if connection.vendor != "sqlite":
        assert refresh_statistics() is False  # PostgreSQL: autovacuum's work, not ours
        return
    source = make_connection()
    for n in range(20):
        make_incident(source, n, priority="high" if n % 2 else "low")
    assert "incident_status_priority" not in _incident_statistics()
    evaluate_all_task(full=True)
    assert "incident_status_priority" in _incident_statistics()


def test_the_hourly_evaluation_leaves_them_alone() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's statistics")
    make_incident(make_connection(), 1)
    evaluate_all_task(full=False)
    assert _incident_statistics() == []
