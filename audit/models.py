from __future__ import annotations

from auditlog.models import LogEntry
from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(LogEntry):
    """django-auditlog's entries, under this app's name: it carries the permission to read the
    audit log (admins and auditors, accounts/roles.py)."""

    class Meta:
        proxy = True
        default_permissions = ()
        permissions = [("view_audit_log", "Can read the audit log")]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log entries"


class EvidenceDownload(models.Model):
    """One download of the evidence export: who took which period's evidence, and when."""

    period_start = models.DateField("period start")
    period_end = models.DateField("period end (included)")
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="downloaded by",
    )
    downloaded_at = models.DateTimeField("downloaded at", default=timezone.now)

    class Meta:
        verbose_name = "evidence export"

    def __str__(self) -> str:
        return f"Evidence {self.period_start.isoformat()} to {self.period_end.isoformat()}"
