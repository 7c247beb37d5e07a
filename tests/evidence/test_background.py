"""The export's life in the worker: built into a file (never by a web request), with progress on
the page, downloaded while kept (each download in the audit log), failed with a reason, expired
by the cleanup schedule."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date, timedelta

import pytest
from django_q.models import Schedule

import evidence.build
from audit.models import EvidenceDownload
from evidence.archive import build_evidence_zip, write_evidence_zip
from evidence.build import export_build
from evidence.cleanup import WORKER_STOPPED, exports_clean_up
from evidence.models import EvidenceExport
from evidence.tasks import CLEANUP_SCHEDULE, build_export_task, ensure_cleanup_schedule
from tests.evidence.conftest import NOW, PERIOD, read_csv, read_zip, run_queued

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


@pytest.fixture
def built(auditor_client, start_export, queued, dataset):  # type: ignore[no-untyped-def]
    """The auditor's export of the dataset's period, built by the worker."""
    start_export(auditor_client, "2026-01-01", "2026-03-31")
    run_queued(queued)
    return EvidenceExport.objects.get()


def test_no_web_request_builds_a_zip_the_task_does(  # type: ignore[no-untyped-def]
    auditor_client, start_export, queued, monkeypatch
) -> None:
    calls: list[object] = []

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(kwargs["period"])
        return write_evidence_zip(*args, **kwargs)

    monkeypatch.setattr(evidence.build, "write_evidence_zip", spy)
    start_export(auditor_client, "2026-01-01", "2026-03-31")
    auditor_client.get("/evidence/")
    auditor_client.get("/evidence/", **HTMX)
    assert calls == [] and EvidenceExport.objects.get().status == "queued"
    run_queued(queued)
    assert len(calls) == 1 and EvidenceExport.objects.get().status == "done"


def test_the_page_shows_progress_while_the_worker_builds(  # type: ignore[no-untyped-def]
    auditor_client, start_export, queued, dataset, exports_dir, monkeypatch
) -> None:
    seen: list[tuple[str, list[str]]] = []

    def watched(*args, progress, **kwargs):  # type: ignore[no-untyped-def]
        def report(files_done: int, files_total: int, rows: int) -> None:
            progress(files_done, files_total, rows)
            if files_done == 3:
                poll = auditor_client.get("/evidence/", **HTMX).content.decode()
                seen.append((poll, sorted(p.name for p in exports_dir.iterdir())))

        return write_evidence_zip(*args, progress=report, **kwargs)

    monkeypatch.setattr(evidence.build, "write_evidence_zip", watched)
    start_export(auditor_client, "2026-01-01", "2026-03-31")
    run_queued(queued)
    ((poll, files),) = seen
    total = EvidenceExport.objects.get().files_total
    # Three CSVs written: incidents.csv's 2 rows, incident_entries.csv's none (the dataset has
    # no entries), check_status_history.csv's 1.
    assert f"3 of {total} files, 3 rows so far." in poll and "Building…" in poll
    assert 'hx-trigger="every 3s"' in poll and "<html" not in poll
    # Crash-safe: while it builds only a hidden .part file exists, never a half-written ZIP.
    assert len(files) == 1 and files[0].startswith(".") and files[0].endswith(".part")
    done = auditor_client.get("/evidence/", **HTMX).content.decode()
    assert "Ready" in done and "hx-trigger" not in done  # the list stops polling


def test_a_finished_export_is_downloaded_with_its_manifest_hashes_matching(  # type: ignore[no-untyped-def]
    auditor_client, built, exports_dir
) -> None:
    assert built.status == "done"
    assert sorted(p.name for p in exports_dir.iterdir()) == [
        f"{built.pk}-evidence-2026-01-01-to-2026-03-31.zip"
    ]
    page = auditor_client.get("/evidence/").content.decode()
    link = f'href="/evidence/exports/{built.pk}/download/"'
    assert link in page and built.sha256 in page
    response = auditor_client.get(f"/evidence/exports/{built.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        'attachment; filename="evidence-2026-01-01-to-2026-03-31.zip"'
    )
    assert "no-store" in response["Cache-Control"]
    data = _body(response)
    assert hashlib.sha256(data).hexdigest() == built.sha256 and len(data) == built.size
    archive = read_zip(data)
    assert archive.testzip() is None
    assert [r["upstream_id"] for r in read_csv(archive, "incidents.csv")] == ["in-1", "in-2"]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["generated_by"]["username"] == "bob-auditor"
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"]


def test_the_worker_s_zip_is_byte_for_byte_the_archive_s(  # type: ignore[no-untyped-def]
    auditor_user, dataset, exports_dir
) -> None:
    export = EvidenceExport.objects.create(
        period_start=PERIOD.start, period_end=PERIOD.end, requested_by=auditor_user
    )
    export = export_build(export_id=export.pk, clock=lambda: NOW)
    with build_evidence_zip(period=PERIOD, generated_by=auditor_user, now=NOW) as file:
        assert export.path.read_bytes() == file.read()


def test_each_download_is_in_the_audit_log_with_who_and_which_period(  # type: ignore[no-untyped-def]
    auditor_client, admin_client, built
) -> None:
    auditor_client.get(f"/evidence/exports/{built.pk}/download/")
    admin_client.get(f"/evidence/exports/{built.pk}/download/")
    downloads = EvidenceDownload.objects.order_by("pk")
    assert [d.downloaded_by.get_username() for d in downloads] == ["bob-auditor", "alice-admin"]
    assert {(d.period_start, d.period_end) for d in downloads} == {
        (date(2026, 1, 1), date(2026, 3, 31))
    }
    page = auditor_client.get("/audit-log/").content.decode()
    assert "<td>Downloaded</td>" in page and "<td>bob-auditor</td>" in page
    assert "Period start:</span> — → 1 Jan 2026" in page


def test_staff_cannot_download_a_finished_export(staff_client, built) -> None:  # type: ignore[no-untyped-def]
    assert staff_client.get(f"/evidence/exports/{built.pk}/download/").status_code == 403
    assert not EvidenceDownload.objects.exists()


def test_an_unknown_export_is_not_found(auditor_client) -> None:  # type: ignore[no-untyped-def]
    assert auditor_client.get("/evidence/exports/999/download/").status_code == 404


def test_a_failed_build_says_why_and_leaves_no_file(  # type: ignore[no-untyped-def]
    auditor_client, start_export, queued, exports_dir, monkeypatch
) -> None:
    def full_disk(target, **kwargs):  # type: ignore[no-untyped-def]
        target.write(b"PK half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(evidence.build, "write_evidence_zip", full_disk)
    start_export(auditor_client, "2026-01-01", "2026-03-31")
    run_queued(queued)
    export = EvidenceExport.objects.get()
    assert export.status == "failed" and list(exports_dir.iterdir()) == []
    page = auditor_client.get("/evidence/").content.decode()
    assert "Failed." in page
    assert "The ZIP could not be written to the export directory: No space left on device." in page
    assert f"/evidence/exports/{export.pk}/download/" not in page
    response = auditor_client.get(f"/evidence/exports/{export.pk}/download/", follow=True)
    assert "This export is not ready" in response.content.decode()
    assert not EvidenceDownload.objects.exists()
    # The same person may start the same period again at once.
    start_export(auditor_client, "2026-01-01", "2026-03-31")
    assert EvidenceExport.objects.filter(status="queued").count() == 1


def test_a_task_delivered_twice_builds_once(built, exports_dir) -> None:  # type: ignore[no-untyped-def]
    assert build_export_task(built.pk).startswith("skipped")
    assert len(list(exports_dir.iterdir())) == 1


def test_the_cleanup_deletes_expired_exports_and_the_page_says_so(  # type: ignore[no-untyped-def]
    auditor_client, auditor_user, dataset, exports_dir, settings
) -> None:
    settings.EVIDENCE_EXPORT_KEEP_HOURS = 24
    export = EvidenceExport.objects.create(
        period_start=PERIOD.start, period_end=PERIOD.end, requested_by=auditor_user
    )
    export = export_build(export_id=export.pk, clock=lambda: NOW)
    assert export.expires_at == NOW + timedelta(hours=24)
    assert exports_clean_up(now=NOW + timedelta(hours=23)).expired == 0
    assert export.path.exists()

    # Past its time and before the cleanup ran: no longer given.
    export.expires_at = NOW
    export.save()
    response = auditor_client.get(f"/evidence/exports/{export.pk}/download/", follow=True)
    assert "This export expired on 2 Apr 2026, 09:30" in response.content.decode()
    assert not EvidenceDownload.objects.exists()

    first = exports_clean_up(now=NOW + timedelta(hours=24))
    assert first.expired == 1 and list(exports_dir.iterdir()) == []
    again = exports_clean_up(now=NOW + timedelta(hours=25))
    assert (again.expired, again.failed, again.files_removed) == (0, 0, 0)
    export.refresh_from_db()
    assert export.status == "expired" and export.file_name == ""
    page = auditor_client.get("/evidence/").content.decode()
    assert "Expired" in page and f"/evidence/exports/{export.pk}/download/" not in page


def test_the_cleanup_runs_on_a_schedule_created_once() -> None:
    ensure_cleanup_schedule()
    ensure_cleanup_schedule()
    schedule = Schedule.objects.get(name=CLEANUP_SCHEDULE)
    assert schedule.func == "evidence.tasks.clean_up_exports_task"
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == ("I", 15, -1)


def test_an_export_whose_worker_died_shows_as_failed_and_its_files_go(  # type: ignore[no-untyped-def]
    auditor_client, auditor_user, exports_dir, settings
) -> None:
    settings.EVIDENCE_EXPORT_STALE_AFTER_SECONDS = 900
    from django.utils import timezone

    long_ago = timezone.now() - timedelta(hours=1)
    export = EvidenceExport.objects.create(
        period_start=PERIOD.start,
        period_end=PERIOD.end,
        requested_by=auditor_user,
        status="running",
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    exports_dir.mkdir()
    part = exports_dir / f".{export.pk}-abc.part"
    # Renamed just before its worker died, never recorded as done.
    orphan = exports_dir / f"{export.pk}-evidence-2026-01-01-to-2026-03-31.zip"
    # Not the export's: an operator's file in a shared directory stays, however old.
    other = exports_dir / "notes.txt"
    for path in (part, orphan, other):
        path.write_bytes(b"PK half")
        os.utime(path, (long_ago.timestamp(), long_ago.timestamp()))
    # Anyone looking sees it at once, without waiting for the schedule.
    page = auditor_client.get("/evidence/").content.decode()
    assert "Failed." in page and WORKER_STOPPED in page and "hx-trigger" not in page
    assert exports_clean_up().files_removed == 2
    assert sorted(p.name for p in exports_dir.iterdir()) == ["notes.txt"]
    # A worker that was only slow finds it no longer its own and keeps nothing.
    assert build_export_task(export.pk).startswith("skipped")
