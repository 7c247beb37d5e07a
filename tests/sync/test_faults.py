"""The fault matrix (issue 3 point 6): every case ends with the database equal to the truth,
or, when the run fails, with nothing already stored lost, changed or duplicated."""

from __future__ import annotations

import pytest

from incidents.models import Incident
from integrations.models import ConnectionStatus, ErrorAction, SyncOutcome
from integrations.sync.engine import sync_connection
from tests.sync.conftest import run_sync, snapshot


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
    before = snapshot()
    real_key = getattr(upstream.keys, "opsgenie_" + key, key)
    connection.set_credentials({"api_key": real_key}, hint="xxxx")
    connection.save()
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.FAILED and run.retries == 0
    # No retry of a refused key: a 401 ends the run at its first call (every stream would get
    # it); a key that may read services but not incidents stops its incidents at one call
    # (the alerts, which it may read, are read as ever).
    if action == ErrorAction.REENTER_KEY:
        assert run.http_calls == 1
    else:
        assert run.counts["incidents"]["http_calls"] == 1
        assert run.counts["incidents"]["error"] and not run.counts["alerts"].get("error")
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ERROR
    assert connection.last_error_action == action and text in connection.last_error
    assert snapshot() == before
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
