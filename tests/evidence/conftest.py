"""A small known dataset around the period 2026-01-01 .. 2026-03-31 (UTC), and ZIP readers."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from django.core.files.base import ContentFile

from checks.models import CheckState, CheckStatusChange, FailingItem, SpecialCase
from incidents.checks import CLOSED_KEY, DATA_LOSS_KEY
from incidents.models import DataLossReport, Incident
from integrations.models import Connection, SyncRun
from lib.evidence_files import Period
from tests.conftest import make_connection

API_KEY = "0f1e2d3c-SECRET-4b5a-6978-key-never-exported"
EVIL_TITLE = "=cmd|' /C calc'!A0"
PERIOD = Period(start=date(2026, 1, 1), end=date(2026, 3, 31))
NOW = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def read_zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def read_csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    raw = archive.read(name)
    assert raw.startswith(b"\xef\xbb\xbf"), f"{name} has no UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def _incident(connection: Connection, upstream_id: str, created: datetime, **extra) -> Incident:  # type: ignore[no-untyped-def]
    fields = {
        "source": "opsgenie",
        "number": upstream_id,
        "title": f"Incident {upstream_id}",
        "status": "open",
        "priority": "high",
        "content_hash": "x",
        "changed_at": created,
        **extra,
    }
    return Incident.objects.create(
        connection=connection, upstream_id=upstream_id, created_at=created, **fields
    )


def _save(report: DataLossReport, user, when: datetime) -> None:  # type: ignore[no-untyped-def]
    report._history_user = user  # type: ignore[attr-defined]
    report._history_date = when  # type: ignore[attr-defined]
    report.save()


@pytest.fixture
def dataset(settings, tmp_path, admin_user, staff_user):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    connection = make_connection(region="eu", api_key=API_KEY, connected_at=at(2025, 6, 1))

    inside = _incident(
        connection,
        "in-1",
        at(2026, 2, 1, 10),
        title=EVIL_TITLE,
        description="+ALERT",
        services=["checkout", "payments"],
        raw_priority="P1",
        raw_status="open",
        upstream_url="https://example.app.opsgenie.com/incident/detail/in-1",
        impact_start=at(2026, 2, 1, 9, 45),
    )
    last_day = _incident(
        connection,
        "in-2",
        at(2026, 3, 31, 23, 59),
        status="resolved",
        priority="low",
        resolved_at=at(2026, 4, 1, 2),
        deleted_upstream=True,
        deleted_upstream_at=at(2026, 4, 1, 3),
    )
    before = _incident(connection, "out-1", at(2025, 12, 31, 23, 59))
    after = _incident(connection, "out-2", at(2026, 4, 1, 0, 0))

    report = DataLossReport(incident=inside)
    _save(report, staff_user, at(2026, 2, 2, 8))
    report.data_lost = "yes"
    report.what_happened = "-Export of customer table"
    report.categories = ["personal"]
    _save(report, admin_user, at(2026, 2, 3, 9))
    report.people_affected = 120
    report.customers_notified_on = date(2026, 2, 5)
    _save(report, staff_user, at(2026, 2, 5, 16))
    outside_report = DataLossReport(incident=before, data_lost="no")
    _save(outside_report, staff_user, at(2026, 1, 2, 8))

    closed = CheckState.objects.create(
        key=CLOSED_KEY, status="failing", status_since=at(2026, 2, 1), last_evaluated_at=NOW
    )
    data_loss = CheckState.objects.create(
        key=DATA_LOSS_KEY, status="passing", status_since=at(2025, 1, 1), last_evaluated_at=NOW
    )
    CheckStatusChange.objects.create(
        check_state=closed,
        at=at(2026, 2, 1, 10, 5),
        status="failing",
        previous_status="passing",
        failing_count=2,
        checked_count=4,
        reason="sync opsgenie",
    )
    CheckStatusChange.objects.create(
        check_state=closed,
        at=at(2025, 12, 1),
        status="passing",
        previous_status="",
        failing_count=0,
        checked_count=1,
        reason="first evaluation",
    )
    FailingItem.objects.create(
        check_state=closed,
        item_key=f"incident:{inside.pk}",
        label=EVIL_TITLE,
        reason="Open for 60 days",
        failing_since=at(2026, 2, 1, 10, 5),
    )
    FailingItem.objects.create(
        check_state=closed,
        item_key=f"incident:{before.pk}",
        label="Incident out-1",
        reason="Open for 92 days",
        failing_since=at(2026, 1, 1, 0, 5),
    )
    excepted = SpecialCase.objects.create(
        check_state=closed,
        item_key=f"incident:{before.pk}",
        label="Incident out-1",
        reason="Tracked in the change board",
        created_by=admin_user,
        created_at=at(2026, 1, 10),
        expires_at=at(2026, 6, 30),
    )
    excepted.attachment.save("board minutes.pdf", ContentFile(b"%PDF-1.4 board minutes"))
    SpecialCase.objects.create(
        check_state=data_loss,
        item_key="incident:999",
        label="Old one",
        reason="Ended before",
        created_by=admin_user,
        created_at=at(2025, 10, 1),
        ended_at=at(2025, 12, 1),
        ended_by=admin_user,
    )
    SpecialCase.objects.create(
        check_state=data_loss,
        item_key="incident:998",
        label="Expired before",
        reason="Expired before",
        created_by=admin_user,
        created_at=at(2025, 10, 1),
        expires_at=at(2025, 11, 1),
    )
    SpecialCase.objects.create(
        check_state=data_loss,
        item_key="incident:997",
        label="Later",
        reason="Made after",
        created_by=admin_user,
        created_at=at(2026, 4, 1, 8),
    )

    SyncRun.objects.create(
        connection=connection,
        trigger="schedule",
        kind="incremental",
        outcome="failed",
        started_at=at(2026, 3, 1, 12),
        finished_at=at(2026, 3, 1, 12, 0, 42),
        heartbeat_at=at(2026, 3, 1, 12, 0, 42),
        counts={
            "incidents": {"fetched": 7, "created": 2, "updated": 1, "unchanged": 4, "deleted": 0}
        },
        http_calls=3,
        retries=1,
        error="@upstream said 503",
    )
    SyncRun.objects.create(
        connection=connection,
        trigger="connect",
        kind="full",
        outcome="succeeded",
        started_at=at(2025, 6, 1),
        finished_at=at(2025, 6, 1, 0, 1),
        heartbeat_at=at(2025, 6, 1),
    )
    return {
        "connection": connection,
        "inside": inside,
        "last_day": last_day,
        "before": before,
        "after": after,
        "report": report,
        "excepted": excepted,
    }


@pytest.fixture
def exports_dir(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Where the worker keeps finished exports: this test's own directory."""
    settings.EVIDENCE_EXPORT_DIR = str(tmp_path / "exports")
    return tmp_path / "exports"


@pytest.fixture
def queued(monkeypatch, exports_dir) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """The build tasks the app queued (django-q2's async_task, captured; nothing runs them)."""
    tasks: list[tuple[str, int]] = []
    monkeypatch.setattr(
        "evidence.tasks.async_task", lambda func, pk, **kwargs: tasks.append((func, pk))
    )
    return tasks


@pytest.fixture
def start_export(queued, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """POST the export page's form as a person does; the task is queued once it commits."""

    def start(client, start: str, end: str):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/evidence/", {"start": start, "end": end})

    return start


def run_queued(queued: list[tuple[str, int]]) -> list[str]:
    """Run the queued tasks as the worker would: the task function, called directly."""
    from django.utils.module_loading import import_string

    results = [import_string(func)(pk) for func, pk in queued]
    queued.clear()
    return results
