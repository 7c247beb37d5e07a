from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone

from lib.evidence_files import Period


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Building"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"
    # Done, then kept for EVIDENCE_EXPORT_KEEP_HOURS: its file is deleted, its row stays.
    EXPIRED = "expired", "Expired"


ACTIVE_STATUSES = (ExportStatus.QUEUED, ExportStatus.RUNNING)


def export_dir() -> Path:
    """Where finished exports are kept: private, never served but by the download view."""
    return Path(settings.EVIDENCE_EXPORT_DIR)


class EvidenceExport(models.Model):
    """One evidence ZIP asked for on the export page, built by a worker (evidence/build.py)."""

    period_start = models.DateField("period start")
    period_end = models.DateField("period end (included)")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="requested by",
    )
    status = models.CharField(max_length=10, choices=ExportStatus, default=ExportStatus.QUEUED)
    # Progress while it builds: CSV files written of all, and rows written so far.
    files_done = models.PositiveIntegerField(default=0)
    files_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveBigIntegerField(default=0)
    # The finished ZIP: its name in export_dir(), size in bytes and SHA-256.
    file_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    # Why it failed, in words shown on the export page.
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written with each progress report: a building export silent for long lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        default_permissions = ()
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A double-submit (two clicks, a resent form) finds the first one queued or building
            # and starts nothing: one person has at most one active export per period. Two
            # people asking for the same period each get theirs.
            models.UniqueConstraint(
                fields=["requested_by", "period_start", "period_end"],
                condition=models.Q(status__in=ACTIVE_STATUSES),
                name="evidence_export_one_active_per_person_and_period",
            )
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="evidence_export_expiry")]

    def __str__(self) -> str:
        return f"Evidence export {self.period_start.isoformat()} to {self.period_end.isoformat()}"

    @property
    def period(self) -> Period:
        return Period(start=self.period_start, end=self.period_end)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def expired(self, now: datetime | None = None) -> bool:
        """Past its keeping time, whether or not the cleanup has deleted the file yet."""
        if self.status == ExportStatus.EXPIRED:
            return True
        now = now or timezone.now()
        return self.status == ExportStatus.DONE and (
            self.expires_at is not None and self.expires_at <= now
        )

    def downloadable(self, now: datetime | None = None) -> bool:
        return self.status == ExportStatus.DONE and not self.expired(now) and bool(self.file_name)

    @property
    def path(self) -> Path | None:
        return export_dir() / self.file_name if self.file_name else None
