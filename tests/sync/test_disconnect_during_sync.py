"""Disconnecting an integration while its sync runs (issue 12): the sync stops at its next page,
its history says why and what it kept, and its end never writes the connection back to
Connected or Error over "Disconnected"."""

from __future__ import annotations

import pytest

from incidents.models import Incident
from integrations.connections import connection_clear_error, connection_record_error
from integrations.models import Connection, ConnectionStatus, ErrorAction, SyncOutcome
from integrations.services import connection_disconnect
from integrations.sync import prefetch
from tests.sync.conftest import World, run_sync


def _disconnect(pk: int) -> None:
    # Another request's own copy of the row, as the Disconnect button has.
    connection_disconnect(connection=Connection.objects.get(pk=pk))


def test_a_sync_running_when_its_integration_is_disconnected_stops_and_says_so(
    world: World, admin_client, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # One page a write (pages that wait are otherwise written together: 250 incidents would be
    # two writes), so that "its next write" leaves pages unread.
    monkeypatch.setattr(prefetch, "BATCH_UP_TO", 1)
    upstream_total = len(getattr(world.upstream, f"{world.provider}_stores")["us"].incidents())
    stored_then: list[int] = []

    def disconnect_once_a_page_is_stored(run) -> None:  # type: ignore[no-untyped-def]
        if not stored_then and run.counts.get("incidents", {}).get("created"):
            stored_then.append(Incident.objects.count())
            _disconnect(world.connection.pk)

    run = run_sync(world.connection, full=True, on_progress=disconnect_once_a_page_is_stored)
    assert run.outcome == SyncOutcome.INTERRUPTED
    kept = Incident.objects.filter(connection=world.connection).count()
    # It stopped at its next write: the page it had in hand was stored, no page after it.
    assert stored_then[0] <= kept < upstream_total
    # Its history says exactly what it stored, the page in hand at the disconnect included.
    assert run.counts["incidents"]["created"] == kept
    fetched = run.counts["incidents"]["fetched"]
    assert run.summary.startswith(
        f"Stopped when the integration was disconnected at {fetched:,} fetched; what it stored "
        "is kept ("
    )
    assert run.summary.endswith(f"created {kept} incidents).")
    connection = Connection.objects.get(pk=world.connection.pk)
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert (connection.credentials, connection.credential_hint, connection.last_error) == (
        "",
        "",
        "",
    )
    history = admin_client.get(f"/settings/integrations/{world.provider}/sync/history/")
    assert "Stopped when the integration was disconnected" in history.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("end", ["recovered", "failed"])
def test_a_sync_ending_after_the_disconnect_leaves_the_connection_disconnected(
    end: str,
) -> None:
    from tests.conftest import make_connection

    connection = make_connection(api_key="k" * 32)
    Connection.objects.filter(pk=connection.pk).update(status=ConnectionStatus.ERROR)
    connection.refresh_from_db()  # the sync's copy, read before the disconnect
    _disconnect(connection.pk)
    if end == "recovered":
        connection_clear_error(connection=connection)
    else:
        connection_record_error(
            connection=connection, message="401 Unauthorized", action=ErrorAction.REENTER_KEY
        )
    stored = Connection.objects.get(pk=connection.pk)
    assert (stored.status, stored.credentials, stored.last_error) == (
        ConnectionStatus.DISCONNECTED,
        "",
        "",
    )
    assert connection.status == ConnectionStatus.DISCONNECTED  # the caller's copy is told too
