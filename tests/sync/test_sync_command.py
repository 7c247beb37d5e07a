from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from incidents.models import Incident
from integrations.models import SyncRun
from tests.sync.conftest import assert_store_equals_upstream


def test_it_syncs_in_the_foreground_and_prints_the_counts(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("sync", "--connection", str(connection.pk), stdout=out)
    text = out.getvalue()
    assert "250 fetched" in text  # the progress line
    assert "Full reconciliation done. Incidents: fetched 250, created 250, updated 0" in text
    assert_store_equals_upstream(upstream, connection)
    out = io.StringIO()
    call_command("sync", "--all", stdout=out)
    assert "Incremental done" in out.getvalue()


def test_it_exits_non_zero_when_the_sync_fails(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    upstream.faults.set(server_errors=1000)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 syncs failed"):
        call_command(
            "sync", "--connection", str(connection.pk), "--full", stderr=err, stdout=io.StringIO()
        )
    assert "OpsGenie is not answering" in err.getvalue()
    assert not Incident.objects.exists()


def test_it_says_when_there_is_nothing_to_sync(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="No connection to sync"):
        call_command("sync", "--all")
    with pytest.raises(CommandError, match="There is no connection 42"):
        call_command("sync", "--connection", "42")


def test_it_says_a_live_sync_is_running_and_goes_past_a_dead_one(
    upstream, connection, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.SYNC_STALE_AFTER_SECONDS = 60
    now = timezone.now()
    run = SyncRun.objects.create(
        connection=connection,
        trigger="schedule",
        kind="full",
        outcome="running",
        started_at=now - timedelta(minutes=3),
        heartbeat_at=now - timedelta(seconds=5),
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 syncs failed"):
        call_command("sync", "--connection", str(connection.pk), stderr=err, stdout=io.StringIO())
    assert "A sync is running (started at " in err.getvalue()
    assert not Incident.objects.exists()
    # Its worker dies: a minute later the command runs, and the dead run says it stopped.
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=now - timedelta(seconds=61))
    out = io.StringIO()
    call_command("sync", "--connection", str(connection.pk), stdout=out)
    assert "Full reconciliation done" in out.getvalue()
    run.refresh_from_db()
    assert run.outcome == "interrupted"
