"""A move that takes effect today leaves incidents whose notes and timeline wait (a bounded
number is read a run): the moved connection's syncs go on reading those details alone, and no
incident list, until none waits, while OpsGenie answers. Its pages say which: pending at a coming
sync, or never read because OpsGenie stopped answering. Against the OpsGenie emulator."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from integrations.models import Connection, SyncOutcome
from integrations.moves import connection_move
from integrations.sync.engine import sync_connection
from tests.conftest import incidents_only, make_connection
from tests.incident_details.conftest import BOUND, INCIDENTS, run_sync

pytestmark = pytest.mark.django_db

PENDING = "Notes, log and timeline not read yet: pending at a coming sync"
AFTER_MOVE = (
    "OpsGenie has moved to Jira Service Management: its syncs now read only the details still "
    "waiting, as long as it answers, until it ends on 5 April 2027."
)
NEVER = (
    "Notes, log and timeline not read: OpsGenie stopped answering after its move to Jira "
    "Service Management, before a sync read them: they can no longer be read."
)


def _waiting(connection: Connection) -> list[Incident]:
    return list(
        Incident.objects.filter(connection=connection, entries_wanted_at__isnull=False).order_by(
            "pk"
        )
    )


def _moved_today(opsgenie: Connection) -> Connection:
    """One sync, then the move, taking effect today: notes of all but BOUND incidents wait."""
    incidents_only(opsgenie)
    opsgenie.streams_off = [s for s in opsgenie.streams_off if s != "incident_details"]
    opsgenie.save(update_fields=["streams_off"])
    first = run_sync(opsgenie)
    assert first.counts["incidents"]["created"] == INCIDENTS
    assert len(_waiting(opsgenie)) == INCIDENTS - BOUND
    jsm = make_connection(provider="jsm", region="cloud")
    connection_move(connection=opsgenie, successor=jsm, stop_on=timezone.localdate(), user=None)
    opsgenie.refresh_from_db()
    assert opsgenie.has_moved
    return opsgenie


def test_the_details_waiting_at_the_move_are_read_by_details_only_syncs(
    opsgenie, admin_client
) -> None:  # type: ignore[no-untyped-def]
    opsgenie = _moved_today(opsgenie)
    waiting = _waiting(opsgenie)
    url = reverse("incidents:detail", args=[waiting[-1].pk])
    page = admin_client.get(url).content.decode()
    assert PENDING in page and AFTER_MOVE in page
    runs = []
    while before := len(_waiting(opsgenie)):
        run = run_sync(opsgenie)
        assert run.outcome == SyncOutcome.SUCCEEDED
        # The incident list is read no more: the details alone, a bounded number a run.
        assert "incidents" not in run.counts
        assert before - len(_waiting(opsgenie)) == min(before, BOUND)
        runs.append(run)
        assert len(runs) <= INCIDENTS  # it ends
    # 18 waited, 12 a run: two runs, the second emptying the queue.
    assert len(runs) == -(-(INCIDENTS - BOUND) // BOUND)
    assert runs[-1].counts["incident_details"]["pending"] == 0
    assert not Incident.objects.filter(connection=opsgenie, entries_read_at__isnull=True).exists()
    # Nothing waits: no sync runs any more.
    assert sync_connection(connection_id=opsgenie.pk, trigger="schedule") is None
    page = admin_client.get(url).content.decode()
    assert "not read" not in page and AFTER_MOVE not in page
    assert Incident.objects.filter(connection=opsgenie).count() == INCIDENTS


def test_details_left_when_opsgenie_stops_answering_are_said_never_read(
    upstream, opsgenie, admin_client
) -> None:  # type: ignore[no-untyped-def]
    opsgenie = _moved_today(opsgenie)
    url = reverse("incidents:detail", args=[_waiting(opsgenie)[-1].pk])
    upstream.faults.set(server_errors=10_000, server_error_status=503)
    run = run_sync(opsgenie)
    assert run.outcome == SyncOutcome.FAILED
    opsgenie.refresh_from_db()
    assert opsgenie.stopped_answering_at is not None
    assert not opsgenie.reads_details_only
    page = admin_client.get(url).content.decode()
    assert NEVER in page
    assert PENDING not in page and AFTER_MOVE not in page
    # No sync tries again.
    upstream.faults.clear()
    assert sync_connection(connection_id=opsgenie.pk, trigger="schedule") is None
    assert len(_waiting(opsgenie)) == INCIDENTS - BOUND
