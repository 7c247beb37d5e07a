from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django_q.models import Schedule

from integrations.models import SyncRun, validate_sync_interval
from integrations.services import connection_disconnect, connection_set_sync_interval
from integrations.sync.engine import sync_connection
from integrations.tasks import sync_schedule_update
from tests.conftest import incidents_only


@pytest.mark.parametrize("minutes", [30, 60, 120, 180, 24 * 60])
def test_allowed_sync_frequencies(minutes: int) -> None:
    validate_sync_interval(minutes)


@pytest.mark.parametrize("minutes", [0, 15, 29, 45, 90, 61, 24 * 60 + 60, 10_000])
def test_refused_sync_frequencies(minutes: int) -> None:
    with pytest.raises(ValidationError):
        validate_sync_interval(minutes)


def test_a_connection_is_scheduled_hourly_and_reconciled_daily(connection) -> None:  # type: ignore[no-untyped-def]
    sync_schedule_update(connection=connection)
    sync = Schedule.objects.get(name=f"sync:connection:{connection.pk}")
    assert (sync.schedule_type, sync.minutes) == (Schedule.MINUTES, 60)
    daily = Schedule.objects.get(name=f"reconcile:connection:{connection.pk}")
    assert daily.schedule_type == Schedule.DAILY and "'full': True" in daily.kwargs
    connection_set_sync_interval(connection=connection, minutes=180)
    assert Schedule.objects.get(name=f"sync:connection:{connection.pk}").minutes == 180


def test_disconnecting_removes_the_schedules(connection) -> None:  # type: ignore[no-untyped-def]
    sync_schedule_update(connection=connection)
    connection_disconnect(connection=connection)
    assert not Schedule.objects.filter(name__contains=f":connection:{connection.pk}").exists()


def test_the_wizard_starts_the_first_sync_at_once(
    admin_client, upstream, django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    queued: list[tuple[object, ...]] = []
    monkeypatch.setattr(
        "integrations.tasks.async_task",
        lambda func, *args, **kwargs: queued.append(
            (func, *args, kwargs["trigger"], kwargs["full"])
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/settings/integrations/opsgenie/connect/details/",
            {"api_key": upstream.keys.opsgenie_us, "region": "us"},
        )
    assert Schedule.objects.filter(name__startswith="sync:connection:").count() == 1
    pk = Schedule.objects.get(name__startswith="sync:connection:").name.rsplit(":", 1)[1]
    assert queued == [("integrations.tasks.sync_connection_task", int(pk), "connect", True)]


def test_the_frequency_form_refuses_bad_values_and_changes_nothing(
    admin_client, connection
) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(
        "/settings/integrations/opsgenie/sync/frequency/", {"minutes": "45"}, follow=True
    )
    assert "The sync frequency was not changed" in response.content.decode()
    connection.refresh_from_db()
    assert connection.sync_interval_minutes == 60


@pytest.mark.django_db(transaction=True)
def test_two_syncs_started_at_the_same_moment_run_once(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    """Two workers (threads with their own database connections) claim the same connection at
    once: the database lets exactly one run. On PostgreSQL this is the production setup."""
    upstream.faults.set(delay_seconds=0.2)
    # The incidents alone: each optional stream would add its own slow calls and prove nothing more.
    incidents_only(connection)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(
                sync_connection(
                    connection_id=connection.pk, trigger="schedule", sleep=lambda s: None
                )
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2
    assert sum(result is not None for result in results) == 1
    assert SyncRun.objects.count() == 1
    assert SyncRun.objects.get().outcome == "succeeded"
