"""integrations/sync/writes.page_transaction on PostgreSQL: the foreign-key checks at a page's
commit are planned for the tables as they are then, not as they were when the session first
checked them.

A check is planned once and kept for the session. Planned while the table it looks into was
nearly empty (an emptied table, once vacuumed, is said to hold nothing), it read the whole table
for every row written after it, as the table grew: a cost with the square of the rows (a first
accounts read of 5,000 into an emptied table: 1.1 s instead of 0.65). The plans are read as
PostgreSQL runs them (auto_explain, which needs a superuser: the CI's database has one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.utils import timezone

from checks.judging import NEW_ITEM_FIELDS
from checks.models import CheckState, FailingItem
from integrations.sync import writes

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


def _write_states_and_their_items(rows: int) -> list[int]:
    """One page of a sync: rows of one table, and rows referring to them."""
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


@pytest.mark.django_db(transaction=True)
def test_foreign_key_checks_into_a_table_grown_from_emptied_and_vacuumed_use_its_key(
    executed_plans: list[str],
) -> None:
    with connection.cursor() as cursor:
        CheckState.objects.all().delete()
        cursor.execute("VACUUM checks_checkstate")
    assert _statistics("checks_checkstate") == (0, 0)  # what the planner believes: no row

    # The pages of a sync: the checks of the first, into a page or two of the table, are
    # rightly planned as a scan; the table then outgrows what a scan is worth.
    for rows in (ROWS // 10, ROWS, ROWS):
        executed_plans.clear()
        keys = _write_states_and_their_items(rows)

    assert FailingItem.objects.filter(check_state_id__in=keys).count() == ROWS
    checks = [plan for plan in executed_plans if 'ONLY "public"."checks_checkstate"' in plan]
    assert len(checks) == ROWS  # the last page: one check per item written, at its commit
    assert [plan for plan in checks if "Seq Scan on checks_checkstate" in plan] == []
    assert all("Index" in plan for plan in checks)
    assert _statistics("checks_checkstate") == (0, 0)  # the statistics were left alone
