from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from audit.models import EvidenceDownload


def record_evidence_download(
    *, user: AbstractBaseUser | AnonymousUser | None, start: date, end: date
) -> EvidenceDownload:
    """Note who took which period's evidence; the audit log records it as "Downloaded"."""
    return EvidenceDownload.objects.create(
        period_start=start,
        period_end=end,
        downloaded_by=user if user is not None and user.is_authenticated else None,
    )
