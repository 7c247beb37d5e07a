"""Two evaluations of one check at once (two workers, each after its own sync, or beside the
hourly one): the check ends as the data is, and its history never steps back to what the
earlier one read. On PostgreSQL two threads race; the interleaving is set up deterministically."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from datetime import datetime

import pytest
from django.conf import settings
from django.db import connection as db
from django.db import connections

from checks.engine import evaluate, evaluate_check
from checks.models import CheckState, CheckStatusChange, FailingItem
from incidents.checks import CLOSED_KEY, TOPIC
from lib.checks import REGISTRY, FailingRow
from tests.checks.conftest import make

pytestmark = [
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="two writers at once need PostgreSQL (DATABASE_URL=postgres://…)",
    ),
    pytest.mark.django_db(transaction=True),
]


def waiting_on_a_lock() -> int:
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def until(done: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "the evaluations did not get there"
        time.sleep(0.02)


def in_thread(work: Callable[[], object]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_an_evaluation_that_read_before_a_sync_never_overwrites_one_that_read_after(
    connection,
) -> None:  # type: ignore[no-untyped-def]
    check = REGISTRY[CLOSED_KEY]
    first = make(connection, 1, status="open", resolved_at=None)
    evaluate_check(check, reason="after a sync")
    read, go_on = threading.Event(), threading.Event()

    def read_then_wait(now: datetime) -> list[FailingRow]:
        rows = list(check.failing(now))
        read.set()
        go_on.wait(timeout=10)
        return rows

    # The earlier evaluation has read the open incidents (one) and is about to store them...
    early = in_thread(
        lambda: evaluate_check(
            dataclasses.replace(check, failing=read_then_wait),
            reason="daily evaluation of every item",
            full=True,
        )
    )
    until(read.is_set)
    # ...when a sync stores a second open incident and evaluates after it.
    second = make(connection, 2, status="open", resolved_at=None)
    late = in_thread(lambda: evaluate(topic=TOPIC, reason="after a sync"))
    until(lambda: not late.is_alive() or waiting_on_a_lock() > 0)
    go_on.set()
    for thread in (early, late):
        thread.join(timeout=30)
        assert not thread.is_alive()

    state = CheckState.objects.get(key=CLOSED_KEY)
    assert state.failing_count == 2
    assert set(
        FailingItem.objects.filter(check_key=CLOSED_KEY).values_list("item_id", flat=True)
    ) == {
        first.pk,
        second.pk,
    }
    history = CheckStatusChange.objects.filter(check_state=state).order_by("at", "pk")
    assert [change.failing_count for change in history] == [1, 2]
