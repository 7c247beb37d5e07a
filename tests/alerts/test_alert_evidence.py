"""alerts.csv in the evidence export: the alerts created in the period, deleted ones marked,
upstream text neutralised like every other cell, and listed in the manifest."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from alerts.models import Alert
from evidence.archive import build_evidence_zip
from integrations.models import Connection
from tests.conftest import make_connection
from tests.evidence.conftest import NOW, PERIOD, at, read_csv, read_zip

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil")'


def make_alert(connection: Connection, upstream_id: str, created: datetime, **extra) -> Alert:  # type: ignore[no-untyped-def]
    fields = {
        "provider": connection.provider,
        "tiny_id": upstream_id[-1],
        "message": f"Disk full on {upstream_id}",
        "status": "open",
        "priority": "P2",
        "count": 1,
        "content_hash": "x",
        "first_seen_at": created,
        "changed_at": created,
        **extra,
    }
    return Alert.objects.create(
        connection=connection, upstream_id=upstream_id, created_at=created, **fields
    )


def test_alerts_csv_holds_the_periods_alerts_with_deleted_ones_marked(admin_user) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection()
    make_alert(connection, "al-before", at(2025, 12, 31, 23))
    kept = make_alert(
        connection,
        "al-1",
        at(2026, 1, 5, 8),
        status="closed",
        acknowledged=True,
        acknowledged_by="sam@example.com",
        closed_at=at(2026, 1, 5, 9),
        tags=["db", "prod"],
    )
    gone = make_alert(
        connection,
        "al-2",
        at(2026, 3, 31, 22),
        message=EVIL,
        deleted_upstream=True,
        deleted_upstream_at=at(2026, 4, 1, 6),
    )
    make_alert(connection, "al-after", at(2026, 4, 1, 0, 30))

    with build_evidence_zip(period=PERIOD, generated_by=admin_user, now=NOW) as file:
        archive = read_zip(file.read())

    rows = read_csv(archive, "alerts.csv")
    assert [row["upstream_id"] for row in rows] == ["al-1", "al-2"]
    first, second = rows
    assert first["alert_id"] == str(kept.pk) and first["source"] == "OpsGenie"
    assert (first["status"], first["acknowledged"], first["acknowledged_by"]) == (
        "Closed",
        "yes",
        "sam@example.com",
    )
    assert first["tags"] == "db, prod" and first["closed_at"] == "2026-01-05T09:00:00+00:00"
    assert first["deleted_upstream"] == "no" and first["deleted_upstream_at"] == ""
    assert second["alert_id"] == str(gone.pk)
    assert second["message"] == "'" + EVIL  # a formula to a spreadsheet, neutralised
    assert (second["deleted_upstream"], second["deleted_upstream_at"]) == (
        "yes",
        "2026-04-01T06:00:00+00:00",
    )
    manifest = json.loads(archive.read("manifest.json"))
    (listed,) = [entry for entry in manifest["files"] if entry["name"] == "alerts.csv"]
    assert listed["rows"] == 2 and "deleted upstream" in listed["description"]
