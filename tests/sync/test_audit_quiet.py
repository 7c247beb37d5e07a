"""A sync writes facts, not configuration: it leaves the audit log as it was."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry

from incidents.models import Incident
from tests.sync.conftest import run_sync

pytestmark = pytest.mark.django_db


def test_a_sync_run_adds_no_audit_entry(connection) -> None:  # type: ignore[no-untyped-def]
    before = LogEntry.objects.count()
    run = run_sync(connection, full=True)
    run_sync(connection)  # and an incremental one after it
    assert run.outcome == "succeeded" and Incident.objects.exists()
    assert LogEntry.objects.count() == before


def test_a_failing_sync_records_only_the_status_change_as_system(connection, upstream) -> None:  # type: ignore[no-untyped-def]
    connection.set_credentials({"api_key": "revoked-key-0000"}, hint="0000")
    connection.save()
    before = LogEntry.objects.count()
    run_sync(connection)
    run_sync(connection)  # still failing: nothing new to record
    entries = list(LogEntry.objects.order_by("id")[before:])
    assert [(e.actor_id, e.changes_dict) for e in entries] == [
        (None, {"status": ["connected", "error"]})
    ]
