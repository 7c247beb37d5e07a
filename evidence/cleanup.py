"""Keeping the export directory to what may be downloaded (run by a schedule; idempotent).

- a finished export past its keeping time: its file deleted, shown as expired;
- a building export whose worker died (no progress for EVIDENCE_EXPORT_STALE_AFTER_SECONDS), or
  a queued one no worker started within QUEUED_GIVE_UP: shown as failed, saying why, so its
  requester may start another (one active export per person and period);
- files nothing refers to (a ``.part`` of a build that died, a ZIP renamed just before its
  worker did), once older than the stale time, so a build finishing now keeps its file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from evidence.models import EvidenceExport, ExportStatus, export_dir

# The only files the cleanup ever deletes, whatever else shares the directory: a build's
# ".<id>-<random>.part" and a finished "<id>-evidence-<start>-to-<end>.zip".
OWN_FILE = re.compile(r"\.\d+-[^/]*\.part|\d+-evidence-[^/]*\.zip")
# A queued export no worker started within this long was lost (a flushed queue, no worker
# running): long past django-q2's own retry of an unacknowledged task.
QUEUED_GIVE_UP = timedelta(hours=2)
WORKER_STOPPED = (
    "Its worker stopped before it finished (restarted or killed), and nothing was kept. "
    "Start a new export."
)
NEVER_STARTED = (
    "No worker started it within 2 hours: is the task worker (manage.py qcluster) running? "
    "Start a new export once it is."
)


@dataclass(frozen=True)
class Cleanup:
    expired: int
    failed: int
    files_removed: int

    def __str__(self) -> str:
        return (
            f"{self.expired} expired, {self.failed} failed as stale, "
            f"{self.files_removed} stray files removed"
        )


def stale_after() -> timedelta:
    return timedelta(seconds=settings.EVIDENCE_EXPORT_STALE_AFTER_SECONDS)


def exports_fail_stale(*, now: datetime | None = None) -> int:
    """Show building exports whose worker died, and queued ones never started, as failed."""
    now = now or timezone.now()
    running = EvidenceExport.objects.filter(
        status=ExportStatus.RUNNING, heartbeat_at__lt=now - stale_after()
    ).update(status=ExportStatus.FAILED, error=WORKER_STOPPED, finished_at=now)
    queued = EvidenceExport.objects.filter(
        status=ExportStatus.QUEUED, created_at__lt=now - QUEUED_GIVE_UP
    ).update(status=ExportStatus.FAILED, error=NEVER_STARTED, finished_at=now)
    return running + queued


def exports_clean_up(*, now: datetime | None = None) -> Cleanup:
    now = now or timezone.now()
    failed = exports_fail_stale(now=now)
    expired = 0
    due = EvidenceExport.objects.filter(status=ExportStatus.DONE, expires_at__lte=now)
    for export in due.only("pk", "file_name"):
        if export.path is not None:
            export.path.unlink(missing_ok=True)
        expired += EvidenceExport.objects.filter(pk=export.pk, status=ExportStatus.DONE).update(
            status=ExportStatus.EXPIRED, file_name=""
        )
    return Cleanup(expired=expired, failed=failed, files_removed=_remove_strays(now))


def _remove_strays(now: datetime) -> int:
    directory = export_dir()
    if not directory.is_dir():
        return 0
    kept = set(
        EvidenceExport.objects.filter(status=ExportStatus.DONE).values_list("file_name", flat=True)
    )
    old_before = (now - stale_after()).timestamp()
    removed = 0
    for path in directory.iterdir():
        if not path.is_file() or path.name in kept or not OWN_FILE.fullmatch(path.name):
            continue
        try:
            if path.stat().st_mtime < old_before:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # another cleanup took it
    return removed
