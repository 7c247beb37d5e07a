"""integrations/sync/writes: rows written into a table PostgreSQL's planner believes empty (an
emptied table, once vacuumed) are checked by key at their commit, not by scanning the table.

The foreign-key check of each row is planned once and kept for the session: planned from the
statistics of the empty table, it scanned the whole referenced table for every row written
after it, a cost that grows with the square of the rows (a first accounts read of 5,000 into an
emptied table: 1.1 s instead of 0.65). The plans are read as PostgreSQL runs them
(auto_explain, which needs a superuser: the CI's database has one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.utils import timezone

from checks.judging import NEW_ITEM_FIELDS
from checks.models import CheckState, FailingItem
from integrations.sync import writes
from tests.sync.conftest import run_sync

ROWS = 1000  # a large batch of a sync


@pytest.fixture
def executed_plans() -> Iterator[list[str]]:
    """The plan of every statement run on this connection (foreign-key checks included)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner")
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("auto_explain needs a superuser")
        plans: list[str] = []

        def keep(diagnostic: object) -> None:
            plans.append(getattr(diagnostic, "message_primary", "") or "")

        connection.connection.add_notice_handler(keep)
        cursor.execute("LOAD 'auto_explain'")
        for setting, value in (
            ("log_min_duration", "0"),
            ("log_nested_statements", "on"),
            ("log_level", "notice"),
        ):
            cursor.execute(f"SET auto_explain.{setting} = {value}")
        try:
            yield plans
        finally:
            cursor.execute("SET auto_explain.log_min_duration = -1")
            connection.connection.remove_notice_handler(keep)


def _write_states_and_their_items(rows: int = ROWS) -> list[int]:
    now = timezone.now()
    with writes.page_transaction():
        (keys,) = writes.reserve_pks([CheckState], rows)  # type: ignore[misc]
        writes.insert_values(
            CheckState,
            ("key", "status", "status_since", "last_evaluated_at"),
            [(f"planner-{key}", "failing", now, now) for key in keys],
            pks=keys,
        )
        writes.insert_values(
            FailingItem,
            NEW_ITEM_FIELDS,
            [
                (key, f"planner-{key}", f"incident:{n}", n, f"#{n}", "why", "/", "OpsGenie", now)
                for n, key in enumerate(keys)
            ],
        )
    return keys


def _statistics(table: str) -> tuple[int, float]:
    """(pages, rows) as the planner believes them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpages, reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()


def _pages(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s) / current_setting('block_size')::int", [table])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_foreign_key_checks_into_a_table_grown_from_emptied_and_vacuumed_use_its_key(
    executed_plans: list[str],
) -> None:
    with connection.cursor() as cursor:
        CheckState.objects.all().delete()
        cursor.execute("VACUUM checks_checkstate")
    assert _statistics("checks_checkstate") == (0, 0)  # what the planner believes: no row
    writes.forget_table_sizes()  # as a sync run begins

    # The batches of a sync: the checks of the first, into a page or two, are rightly planned
    # as a scan and kept; the table then outgrows a scan's worth of pages.
    for rows in (ROWS // 10, ROWS, ROWS):
        executed_plans.clear()
        keys = _write_states_and_their_items(rows)

    assert _pages("checks_checkstate") > writes.SCAN_PAGES
    assert FailingItem.objects.filter(check_state_id__in=keys).count() == ROWS
    checks = [plan for plan in executed_plans if 'ONLY "public"."checks_checkstate"' in plan]
    assert len(checks) == ROWS  # the last batch: one check per item written, at its commit
    assert [plan for plan in checks if "Seq Scan on checks_checkstate" in plan] == []
    assert all("Index" in plan for plan in checks)
    assert _statistics("checks_checkstate")[1] >= 2 * ROWS  # analyzed as it grew


@pytest.mark.django_db(transaction=True)
def test_a_table_its_statistics_already_count_is_left_to_autovacuum_and_asked_once(
    executed_plans: list[str],
) -> None:
    for _batch in range(3):
        _write_states_and_their_items()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE checks_checkstate")
        cursor.execute("ANALYZE checks_failingitem")
    counted = _statistics("checks_checkstate")
    assert counted[0] >= writes.SCAN_PAGES
    writes.forget_table_sizes()
    executed_plans.clear()

    _write_states_and_their_items(rows=ROWS // 3)
    asked = [plan for plan in executed_plans if "FROM pg_class" in plan]
    executed_plans.clear()
    _write_states_and_their_items(rows=ROWS // 3)
    asked_again = [plan for plan in executed_plans if "FROM pg_class" in plan]

    assert _statistics("checks_checkstate") == counted  # not analyzed again
    assert len(asked) == 2  # each table written, once: the states and their items
    assert asked_again == []
    assert CheckState.objects.count() == 3 * ROWS + 2 * (ROWS // 3)


def test_each_sync_run_asks_again_about_the_tables_it_writes(connection, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A table emptied and vacuumed between two runs of one worker is looked at again by the
    next run, however recently this process saw it counted."""
    seen = ("default", '"access_account"')
    monkeypatch.setitem(writes._COUNTED, seen, float("inf"))  # seen counted, never to expire
    run = run_sync(connection)
    assert run.outcome == "succeeded"
    assert seen not in writes._COUNTED
