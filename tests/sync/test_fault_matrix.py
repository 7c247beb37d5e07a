"""The fault matrix every provider shares (issue 3 point 6, issue 5 point 5): each case ends
with the database equal to the upstream or, when the run fails, with nothing stored lost,
changed or duplicated. Provider-specific faults stay in each provider's own test module."""

from __future__ import annotations

import pytest

from incidents.models import Incident
from integrations.models import ConnectionStatus, SyncOutcome
from tests.sync.conftest import World, run_sync, snapshot


def test_429s_wait_as_the_upstream_says_and_end_with_its_records(world: World) -> None:
    # OpsGenie's X-RateLimit-Period-In-Sec, PagerDuty's ratelimit-reset.
    world.upstream.faults.set(rate_limit=3, rate_limit_period_seconds=7)
    run = run_sync(world.connection)
    assert run.outcome == SyncOutcome.SUCCEEDED
    assert run.waits == [7.0, 7.0, 7.0] and run.retries == 3
    world.assert_equals_upstream()


def test_a_5xx_burst_is_retried_through(world: World) -> None:
    run_sync(world.connection)
    world.advance(changed_fraction=0.03, new=4, deleted=2, seed=9)
    world.upstream.faults.set(server_errors=3, server_error_status=502)
    run = run_sync(world.connection, full=True)
    assert run.outcome == SyncOutcome.SUCCEEDED and run.retries == 3
    world.assert_equals_upstream()


def test_a_long_outage_fails_the_run_clearly_and_loses_nothing(world: World) -> None:
    run_sync(world.connection)
    before = snapshot()
    world.advance(changed_fraction=0.05, new=4, deleted=3, seed=3)
    world.upstream.faults.set(server_errors=1000, server_error_status=503)
    run = run_sync(world.connection, full=True)
    assert run.outcome == SyncOutcome.FAILED
    assert run.error.startswith(f"{world.name} is not answering")
    assert run.finished_at is not None
    # Each stream tries its capped 5 attempts: the services stream's failure is its own.
    assert run.counts["services"]["http_calls"] == run.counts["incidents"]["http_calls"] == 5
    assert run.counts["services"]["error"].startswith(f"{world.name} is not answering")
    assert snapshot() == before  # nothing marked deleted by a failed scan
    world.connection.refresh_from_db()
    assert world.connection.status == ConnectionStatus.CONNECTED  # transient: not an Error


def test_a_body_cut_short_is_retried_and_the_reconciliation_completes(world: World) -> None:
    run_sync(world.connection)
    summary = world.advance(changed_fraction=0.0, new=0, deleted=5, seed=5)
    world.upstream.faults.set(malformed=2)
    run = run_sync(world.connection, full=True)
    assert run.outcome == SyncOutcome.SUCCEEDED and run.retries == 2
    assert run.counts["incidents"]["deleted"] == len(summary["deleted"]) == 5
    world.assert_equals_upstream()


def test_bodies_cut_short_until_the_retries_run_out_fail_clearly_and_lose_nothing(
    world: World,
) -> None:
    run_sync(world.connection)
    before = snapshot()
    world.advance(changed_fraction=0.0, new=0, deleted=5, seed=5)
    world.upstream.faults.set(malformed=1000)
    run = run_sync(world.connection, full=True)
    assert run.outcome == SyncOutcome.FAILED and "not valid JSON" in run.error
    assert snapshot() == before  # a failed scan flags nothing deleted
    world.upstream.faults.clear()
    assert run_sync(world.connection, full=True).counts["incidents"]["deleted"] == 5
    world.assert_equals_upstream()


def test_timeouts_are_retried_then_fail_the_run(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    run_sync(world.connection)
    before = snapshot()
    settings.UPSTREAM_TIMEOUT_SECONDS = 0.1
    world.upstream.faults.set(delay_seconds=0.3)
    run = run_sync(world.connection)
    assert run.outcome == SyncOutcome.FAILED
    assert "timed out" in run.error and run.counts["incidents"]["retries"] == 4
    assert snapshot() == before


def test_only_a_full_reconciliation_marks_deleted_incidents(world: World) -> None:
    run_sync(world.connection)
    summary = world.advance(changed_fraction=0.02, new=3, deleted=4, seed=2)
    incremental = run_sync(world.connection)
    assert incremental.counts["incidents"]["deleted"] == 0
    assert not Incident.objects.filter(deleted_upstream=True).exists()
    full = run_sync(world.connection, full=True)
    assert full.counts["incidents"]["deleted"] == 4
    deleted = Incident.objects.filter(deleted_upstream=True).values_list("upstream_id", flat=True)
    assert set(deleted) == set(summary["deleted"])
    world.assert_equals_upstream()


@pytest.mark.parametrize("full", [False, True])
def test_incidents_created_and_deleted_while_paging_are_neither_lost_nor_doubled(
    world: World, full: bool
) -> None:
    run_sync(world.connection)
    passed: list[bool] = []

    def time_passes_mid_sync(run) -> None:  # type: ignore[no-untyped-def]
        first_incidents_page = run.counts.get("incidents", {}).get("fetched", 0) > 0
        if first_incidents_page and not passed:
            passed.append(True)
            world.advance(changed_fraction=0.02, new=5, deleted=3, seed=4)

    run_sync(world.connection, full=full, on_progress=time_passes_mid_sync)
    # Whatever was read mid-change, one more sync of each kind converges on the truth.
    run_sync(world.connection)
    run_sync(world.connection, full=True)
    world.assert_equals_upstream()
    upstream_ids = Incident.objects.values_list("upstream_id", flat=True)
    assert Incident.objects.count() == len(set(upstream_ids))
