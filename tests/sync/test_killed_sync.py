"""A sync whose worker is killed mid-run (issue 12, finding 7).

Its run stays RUNNING, and no code in the dead worker can say otherwise: what frees the
connection is the heartbeat the run stops writing. These tests simulate the kill as it looks from
outside, a RUNNING run whose heartbeat is older than SYNC_STALE_AFTER_SECONDS."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from django.db import connections
from django.utils import timezone

from incidents.models import Incident
from integrations.models import SyncKind, SyncOutcome, SyncRun
from integrations.sandbox.server import SandboxServer
from integrations.sync import prefetch
from integrations.sync.engine import sync_connection
from integrations.sync.liveness import sync_interrupt_stale
from tests.conftest import incidents_only, make_connection
from tests.sync.conftest import NOW, World, run_sync
from tests.sync.test_streams import after_listing_page

DETAIL = "/settings/integrations/opsgenie/"
STATUS = "/settings/integrations/opsgenie/sync/status/"
SYNC_NOW = "/settings/integrations/opsgenie/sync/"
# What the card showed while the worker was alive: "Syncing… 2300 incidents fetched".
COUNTS = {"incidents": {"fetched": 2300, "created": 3, "updated": 115, "unchanged": 2182}}


@pytest.fixture(autouse=True)
def _stale_after_a_minute(settings):  # type: ignore[no-untyped-def]
    settings.SYNC_STALE_AFTER_SECONDS = 60


def _running(connection, *, silent_for: timedelta) -> SyncRun:  # type: ignore[no-untyped-def]
    """A run that was syncing and last wrote progress ``silent_for`` ago."""
    now = timezone.now()
    return SyncRun.objects.create(
        connection=connection,
        trigger="schedule",
        kind="full",
        outcome="running",
        started_at=now - timedelta(minutes=3),
        heartbeat_at=now - silent_for,
        counts=COUNTS,
        http_calls=23,
    )


def _queue(monkeypatch) -> list[dict]:  # type: ignore[no-untyped-def]
    queued: list[dict] = []
    monkeypatch.setattr("integrations.tasks.async_task", lambda *a, **k: queued.append(k))
    return queued


def _rows() -> list[tuple]:  # type: ignore[type-arg]
    return list(SyncRun.objects.order_by("pk").values_list())


def test_the_card_says_a_killed_sync_stopped_and_what_it_kept(admin_client, connection) -> None:  # type: ignore[no-untyped-def]
    dead = _running(connection, silent_for=timedelta(seconds=61))
    status = admin_client.get(STATUS).content.decode()
    assert (
        "The last sync stopped unexpectedly at 2,300 fetched; what it stored is kept "
        "(updated 115 and created 3 incidents)." in status
    )
    assert "Syncing…" not in status and 'hx-trigger="every 2s"' not in status
    assert ">Sync now</button>" in status and "disabled" not in status
    dead.refresh_from_db()
    assert dead.outcome == SyncOutcome.INTERRUPTED
    assert dead.finished_at == dead.heartbeat_at  # it ended when it last showed life
    history = admin_client.get(DETAIL).content.decode()
    assert "Interrupted" in history and "Stopped unexpectedly at 2,300 fetched" in history


def test_sync_now_starts_a_new_sync_past_a_killed_one(
    admin_client, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    queued = _queue(monkeypatch)
    dead = _running(connection, silent_for=timedelta(minutes=2))
    # Straight from a page loaded while it still ran: the card has not looked since.
    page = admin_client.post(SYNC_NOW, follow=True).content.decode()
    assert "A sync has been queued" in page and "A sync is running" not in page
    assert len(queued) == 1 and queued[0]["trigger"] == "manual"
    dead.refresh_from_db()
    assert dead.outcome == SyncOutcome.INTERRUPTED


def test_a_scheduled_sync_marks_the_killed_run_and_runs(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    dead = _running(connection, silent_for=timedelta(minutes=2))
    run = sync_connection(connection_id=connection.pk, trigger="schedule", sleep=lambda s: None)
    assert run is not None and run.outcome == SyncOutcome.SUCCEEDED
    dead.refresh_from_db()
    assert dead.outcome == SyncOutcome.INTERRUPTED and dead.finished_at == dead.heartbeat_at


def test_a_live_sync_refuses_a_second_one_and_says_since_when(
    admin_client, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    queued = _queue(monkeypatch)
    live = _running(connection, silent_for=timedelta(seconds=5))
    before = _rows()
    page = admin_client.post(SYNC_NOW, follow=True).content.decode()
    expected = (
        f"A sync is running (started at {_clock(live.started_at)}, "
        f"last progress at {_clock(live.heartbeat_at)}), so no other was queued."
    )
    assert expected in page
    assert queued == [] and _rows() == before
    # A worker's own sync (scheduled, command line) stands down too.
    assert sync_connection(connection_id=connection.pk, trigger="schedule") is None
    assert _rows() == before


def test_a_killed_full_scan_is_resumed_where_it_stopped(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """What a killed scan stored is kept, and the next run reads on from its last page."""
    outage = lambda: world.upstream.faults.set(server_errors=1000, server_error_status=503)  # noqa: E731
    after_listing_page(monkeypatch, 2, outage)
    scan = run_sync(world.connection, full=True)
    kept = Incident.objects.count()
    # As if its worker had been killed there instead of meeting the outage.
    SyncRun.objects.filter(pk=scan.pk).update(
        outcome="running",
        finished_at=None,
        error="",
        heartbeat_at=timezone.now() - timedelta(minutes=2),
    )
    world.upstream.faults.clear()
    resumed = run_sync(world.connection)
    scan.refresh_from_db()
    assert scan.outcome == SyncOutcome.INTERRUPTED
    assert resumed.kind == SyncKind.FULL and resumed.outcome == SyncOutcome.SUCCEEDED
    assert resumed.counts["incidents"]["resumed_from"] == scan.counts["incidents"]["cursor"]
    assert resumed.counts["incidents"]["fetched"] < len(
        getattr(world.upstream, f"{world.provider}_stores")["us"].incidents()
    )
    assert Incident.objects.count() >= kept
    world.assert_equals_upstream()


def test_a_run_taken_for_dead_stops_when_it_wakes_and_stays_interrupted(
    upstream, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A worker frozen past the threshold (the machine slept) was marked interrupted, and a new
    run may hold the connection: the old one must not go on writing, nor claim success."""
    # One page a write (pages that wait are otherwise written together), so that "its next
    # write" leaves pages unread.
    monkeypatch.setattr(prefetch, "BATCH_UP_TO", 1)

    def frozen_meanwhile(run: SyncRun) -> None:
        if run.counts.get("incidents", {}).get("fetched"):  # after its first incidents page
            SyncRun.objects.filter(pk=run.pk).update(outcome=SyncOutcome.INTERRUPTED)

    run = sync_connection(
        connection_id=connection.pk,
        trigger="manual",
        sleep=lambda s: None,
        on_progress=frozen_meanwhile,
    )
    assert run is not None and run.outcome == SyncOutcome.INTERRUPTED
    # It stopped at its next write, far short of the upstream's incidents; what it had stored
    # is kept.
    assert 100 <= Incident.objects.count() < len(upstream.opsgenie_stores["us"].incidents())
    assert connection.sync_runs.get().outcome == SyncOutcome.INTERRUPTED


@pytest.mark.django_db(transaction=True)
def test_a_live_sync_slower_than_the_threshold_is_never_taken_for_dead(settings) -> None:  # type: ignore[no-untyped-def]
    """Every answer takes longer than the run may stay silent: the heartbeat written while it
    waits keeps it alive, however often the card looks (here, every 50 ms in another thread)."""
    upstream = SandboxServer(seed=5, incidents=5, users=5, now=NOW).start()
    settings.OPSGENIE_BASE_URLS = {region: upstream.opsgenie_url(region) for region in ("us", "eu")}
    connection = make_connection(api_key=upstream.keys.opsgenie_us)
    # The incidents alone: every optional stream (alerts, the Data library's) would add its own
    # slow answers without saying more about the heartbeat (minutes of waiting in all).
    incidents_only(connection)
    # The run beats every sixth of the threshold; a threshold of whole seconds leaves room for a
    # busy CI machine's pauses (0.6 s once took a live run for dead there, with nothing wrong in
    # the sync), and each answer still takes longer than the run may stay silent.
    settings.SYNC_STALE_AFTER_SECONDS = 1.5
    upstream.faults.set(delay_seconds=2.0)
    done = threading.Event()
    marked: list[int] = []

    def card_polling() -> None:
        try:
            while not done.is_set():
                marked.append(sync_interrupt_stale(connection=connection))
                time.sleep(0.05)
        finally:
            connections.close_all()

    watcher = threading.Thread(target=card_polling)
    watcher.start()
    try:
        run = sync_connection(connection_id=connection.pk, trigger="manual", sleep=lambda s: None)
    finally:
        done.set()
        watcher.join(timeout=10)
        upstream.stop()
    assert run is not None and run.outcome == SyncOutcome.SUCCEEDED
    assert run.counts["incidents"]["created"] == len(upstream.opsgenie_stores["us"].incidents())
    assert sum(marked) == 0 and len(marked) > 10


def _clock(at: datetime) -> str:
    local = timezone.localtime(at)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M:%S}"
    return f"{local.day} {local:%b %Y, %H:%M:%S}"
