"""The fault matrix (issue 3 point 6): every case ends with the database equal to the truth,
or, when the run fails, with nothing already stored lost, changed or duplicated."""

from __future__ import annotations

import pytest

from incidents.models import Incident
from integrations.models import ConnectionStatus, ErrorAction, SyncOutcome
from integrations.sync.engine import sync_connection
from tests.sync.conftest import assert_store_equals_upstream, run_sync


def _snapshot():  # type: ignore[no-untyped-def]
    return list(
        Incident.objects.order_by("id").values_list(
            "id", "upstream_id", "content_hash", "deleted_upstream"
        )
    )


def test_429s_wait_as_opsgenie_says_and_end_with_the_upstreams_records(
    upstream, connection
) -> None:  # type: ignore[no-untyped-def]
    upstream.faults.set(rate_limit=3, rate_limit_period_seconds=7)
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED
    assert run.waits == [7.0, 7.0, 7.0] and run.retries == 3
    assert_store_equals_upstream(upstream, connection)


def test_a_5xx_burst_is_retried_through(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    upstream.advance(changed_fraction=0.03, new=4, deleted=2, seed=9)
    upstream.faults.set(server_errors=3, server_error_status=502)
    run = run_sync(connection, full=True)
    assert run.outcome == SyncOutcome.SUCCEEDED and run.retries == 3
    assert_store_equals_upstream(upstream, connection)


def test_a_long_outage_fails_the_run_clearly_and_loses_nothing(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    before = _snapshot()
    upstream.advance(changed_fraction=0.05, new=4, deleted=3, seed=3)
    upstream.faults.set(server_errors=1000, server_error_status=503)
    run = run_sync(connection, full=True)
    assert run.outcome == SyncOutcome.FAILED
    assert run.error.startswith("OpsGenie is not answering")
    assert run.finished_at is not None and run.http_calls == 5  # capped attempts
    assert _snapshot() == before  # nothing marked deleted by a failed scan
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.CONNECTED  # a transient failure is not an Error


def test_timeouts_are_retried_then_fail_the_run(upstream, connection, settings) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    before = _snapshot()
    settings.UPSTREAM_TIMEOUT_SECONDS = 0.1
    upstream.faults.set(delay_seconds=0.3)
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.FAILED
    assert "timed out" in run.error and run.retries == 4
    assert _snapshot() == before


def test_a_malformed_page_mid_reconciliation_fails_cleanly(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    before = _snapshot()
    upstream.advance(changed_fraction=0.0, new=0, deleted=5, seed=5)
    upstream.faults.set(malformed=1)
    run = run_sync(connection, full=True)
    assert run.outcome == SyncOutcome.FAILED
    assert "not valid JSON" in run.error
    assert _snapshot() == before
    # The next reconciliation completes and flags exactly the deleted ones.
    assert run_sync(connection, full=True).counts["incidents"]["deleted"] == 5
    assert_store_equals_upstream(upstream, connection)


@pytest.mark.parametrize(
    ("key", "action", "text"),
    [
        ("00000000-dead-beef-0000-000000000000", ErrorAction.REENTER_KEY, "Invalid API key"),
        ("no_incident_access", ErrorAction.FIX_PERMISSIONS, "Insufficient permissions"),
    ],
)
def test_401_and_403_stop_at_once_and_put_the_connection_in_error(
    upstream, connection, key: str, action: str, text: str
) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    before = _snapshot()
    real_key = getattr(upstream.keys, "opsgenie_" + key, key)
    connection.set_credentials({"api_key": real_key}, hint="xxxx")
    connection.save()
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.FAILED and run.http_calls == 1 and run.retries == 0
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ERROR
    assert connection.last_error_action == action and text in connection.last_error
    assert _snapshot() == before
    # The schedule does not hammer a rejected key; a manual sync may try again.
    assert sync_connection(connection_id=connection.pk, trigger="schedule") is None
    connection.set_credentials({"api_key": upstream.keys.opsgenie_us}, hint="xxxx")
    connection.save()
    assert run_sync(connection).outcome == SyncOutcome.SUCCEEDED
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.CONNECTED and connection.last_error == ""


def test_a_disconnected_connection_does_not_sync(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    from integrations.services import connection_disconnect

    connection_disconnect(connection=connection)
    assert sync_connection(connection_id=connection.pk, trigger="schedule") is None
    assert sync_connection(connection_id=connection.pk, trigger="manual") is None
    assert not Incident.objects.exists()
