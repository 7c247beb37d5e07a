"""What the worker does with an evidence export (the web never builds one).

The ZIP is written into a hidden ``.part`` file in the export directory, flushed to disk, then
renamed to its final name: a worker killed mid-build leaves no half-written ZIP under a name
that could be downloaded, only a ``.part`` file the cleanup deletes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from evidence.archive import Progress, write_evidence_zip
from evidence.models import EvidenceExport, ExportStatus, export_dir
from integrations.redaction import redact

logger = logging.getLogger(__name__)

PART_SUFFIX = ".part"
HASH_CHUNK = 1024 * 1024
Clock = Callable[[], datetime]


class ExportAbandoned(Exception):
    """The export stopped being this worker's (shown as failed meanwhile): stop writing."""


def export_build(*, export_id: int, clock: Clock = timezone.now) -> EvidenceExport | None:
    """Claim the queued export ``export_id`` and build its ZIP; ``None`` when there is nothing
    to do (another worker claimed it, it was given up on, or it no longer exists)."""
    started = clock()
    claimed = EvidenceExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=started, heartbeat_at=started
    )
    if not claimed:
        logger.info("evidence export %s: not queued, nothing to do", export_id)
        return None
    export = EvidenceExport.objects.select_related("requested_by").get(pk=export_id)
    if export.requested_by is None:
        _finish_failed(export_id, "The person who asked for it was deleted before it was built.")
        return EvidenceExport.objects.get(pk=export_id)
    directory = export_dir()
    final = directory / f"{export.pk}-{export.period.filename}"
    part: Path | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=directory, prefix=f".{export.pk}-", suffix=PART_SUFFIX, delete=False
        ) as target:
            part = Path(target.name)
            write_evidence_zip(
                target,
                period=export.period,
                generated_by=export.requested_by,
                now=started,
                progress=_reporter(export_id, clock),
            )
            target.flush()
            os.fsync(target.fileno())
        size, sha256 = _size_and_sha256(part)
        os.replace(part, final)
    except ExportAbandoned:
        _remove(part)
        logger.warning("evidence export %s was given up on while it was built", export_id)
        return EvidenceExport.objects.get(pk=export_id)
    except Exception as exc:  # any failure is the export's, said on the page
        _remove(part)
        logger.exception("evidence export %s failed", export_id)
        _finish_failed(export_id, _why(exc))
        return EvidenceExport.objects.get(pk=export_id)
    finished = clock()
    done = EvidenceExport.objects.filter(pk=export_id, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE,
        file_name=final.name,
        size=size,
        sha256=sha256,
        finished_at=finished,
        heartbeat_at=finished,
        expires_at=finished + timedelta(hours=settings.EVIDENCE_EXPORT_KEEP_HOURS),
    )
    if not done:
        # Shown as failed (its heartbeat looked stale) while it finished: nobody will fetch it.
        _remove(final)
    return EvidenceExport.objects.get(pk=export_id)


def _reporter(export_id: int, clock: Clock) -> Progress:
    def report(files_done: int, files_total: int, rows: int) -> None:
        # Its own short write (autocommit): the page reads it while the build goes on.
        updated = EvidenceExport.objects.filter(pk=export_id, status=ExportStatus.RUNNING).update(
            files_done=files_done, files_total=files_total, rows_done=rows, heartbeat_at=clock()
        )
        if not updated:
            raise ExportAbandoned

    return report


def _finish_failed(export_id: int, why: str) -> None:
    EvidenceExport.objects.filter(pk=export_id, status=ExportStatus.RUNNING).update(
        status=ExportStatus.FAILED, error=why, finished_at=timezone.now()
    )


def _why(exc: Exception) -> str:
    """The failure in words for the page; never a secret (the text is redacted)."""
    detail = redact(str(exc))[:300]
    if isinstance(exc, OSError):
        reason = exc.strerror or detail or type(exc).__name__
        return f"The ZIP could not be written to the export directory: {reason}."
    if isinstance(exc, DatabaseError):
        return f"The database refused a query ({type(exc).__name__}: {detail})."
    return f"It stopped on an unexpected error ({type(exc).__name__}: {detail})."


def _size_and_sha256(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as file:
        while chunk := file.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _remove(path: Path | None) -> None:
    if path is not None:
        path.unlink(missing_ok=True)
