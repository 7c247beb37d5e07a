"""The evidence export (PRODUCT 8): one ZIP of CSV files for a period, with a SHA-256 manifest.

Every CSV is streamed from its rows (queryset ``.iterator()`` in the apps' evidence modules)
into its ZIP entry, and the ZIP into a file (the worker's, evidence/build.py), so memory stays
flat however many incidents or sync runs there are. A web request never calls this: the export
page queues a task.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import IO

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from evidence.registry import evidence_files
from lib.csv_safe import DigestingWriter, write_csv
from lib.evidence_files import Attachment, EvidenceFile, Export, Period, Row

# Keep small exports in memory; larger ones roll over to a file on disk.
SPOOL_MAX_BYTES = 8 * 1024 * 1024
MANIFEST_VERSION = 1
# How often a long CSV reports its progress (and the worker its heartbeat), in rows.
ROWS_PER_REPORT = 5_000

# progress(files_done, files_total, rows_so_far): called after each CSV and every ROWS_PER_REPORT
# rows within one.
Progress = Callable[[int, int, int], None]


class _Tally:
    def __init__(self, *, files_total: int, progress: Progress | None) -> None:
        self.files_total = files_total
        self.files_done = 0
        self.rows = 0
        self._progress = progress

    def counted(self, rows: Iterable[Row]) -> Iterator[Row]:
        for row in rows:
            yield row
            self.rows += 1
            if self.rows % ROWS_PER_REPORT == 0:
                self.report()

    def file_done(self) -> None:
        self.files_done += 1
        self.report()

    def report(self) -> None:
        if self._progress is not None:
            self._progress(self.files_done, self.files_total, self.rows)


class _Archive:
    """A ZIP being written, remembering each entry's SHA-256 and size for the manifest."""

    def __init__(self, target: IO[bytes], *, now: datetime) -> None:
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self._date_time = now.astimezone(UTC).timetuple()[:6]
        self.csv_files: list[dict[str, object]] = []
        self.attachments: list[dict[str, object]] = []

    def _entry(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def add_csv(
        self, file: EvidenceFile, *, rows: Iterable[Row], extra: dict[str, object] | None = None
    ) -> None:
        # zip64 because a CSV's size is not known before it is written.
        with self.zip.open(self._entry(file.name), "w", force_zip64=True) as entry:
            digest = DigestingWriter(entry)
            count = write_csv(digest, header=file.header, rows=rows)
        self.csv_files.append(
            {
                "name": file.name,
                "sha256": digest.sha256,
                "size": digest.size,
                "rows": count,
                "description": file.description,
                **(extra or {}),
            }
        )

    def add_attachment(self, attachment: Attachment) -> str | None:
        """Copy a stored file in; ``None`` when storage no longer has it."""
        try:
            source = attachment.open()
        except (FileNotFoundError, OSError):
            return None
        with source, self.zip.open(self._entry(attachment.path), "w", force_zip64=True) as entry:
            digest = DigestingWriter(entry)
            shutil.copyfileobj(source, digest, 64 * 1024)
        self.attachments.append(
            {"name": attachment.path, "sha256": digest.sha256, "size": digest.size}
        )
        return attachment.path

    def add_json(self, name: str, data: dict[str, object]) -> None:
        self.zip.writestr(self._entry(name), json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.zip.close()


def build_evidence_zip(
    *, period: Period, generated_by: AbstractBaseUser, now: datetime | None = None
) -> IO[bytes]:
    """Write the evidence ZIP for ``period`` and return it as a file positioned at its start.

    The caller owns the returned file. For tests and scripts: the app's exports are written by
    the worker with ``write_evidence_zip`` straight into their file."""
    target = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)  # noqa: SIM115
    try:
        write_evidence_zip(target, period=period, generated_by=generated_by, now=now)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target


def write_evidence_zip(
    target: IO[bytes],
    *,
    period: Period,
    generated_by: AbstractBaseUser,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> None:
    """Write the evidence ZIP for ``period`` into ``target`` (seekable, opened for writing)."""
    now = now or timezone.now()
    files = evidence_files()
    tally = _Tally(files_total=len(files), progress=progress)
    tally.report()
    archive = _Archive(target, now=now)
    # Attachments go in before the CSVs that name them: a ZIP has one open entry at a time.
    in_zip = {
        file.name: {
            attachment.key: archive.add_attachment(attachment)
            for attachment in file.attachments(period)
        }
        for file in files
        if file.attachments is not None
    }
    for file in files:
        export = Export(period=period, now=now, attachments=in_zip.get(file.name, {}))
        extra = dict(file.manifest(export)) if file.manifest is not None else None
        archive.add_csv(file, rows=tally.counted(file.rows(export)), extra=extra)
        tally.file_done()
    manifest = _manifest(period=period, by=generated_by, now=now, archive=archive)
    archive.add_json("manifest.json", manifest)
    archive.close()


def _manifest(
    *, period: Period, by: AbstractBaseUser, now: datetime, archive: _Archive
) -> dict[str, object]:
    return {
        "manifest_version": MANIFEST_VERSION,
        "generated_at": now.astimezone(UTC).isoformat(),
        "generated_by": {"id": by.pk, "username": by.get_username()},
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "from": period.since.astimezone(UTC).isoformat(),
            "until_exclusive": period.until.astimezone(UTC).isoformat(),
            "time_zone": timezone.get_current_timezone_name(),
        },
        "notes": (
            "Timestamps are ISO 8601 in UTC. CSV files are UTF-8 with a byte-order mark; text "
            "cells that began with = + - @ tab or carriage return are prefixed with ' so that "
            "spreadsheets show them as text. failing_items.csv is the state at generation time."
        ),
        # The CSV files first, then the attachments.
        "files": [*archive.csv_files, *archive.attachments],
    }
