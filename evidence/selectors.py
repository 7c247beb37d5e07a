from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from evidence.cleanup import QUEUED_GIVE_UP, stale_after
from evidence.models import EvidenceExport, ExportStatus

RECENT_EXPORTS = 20


def exports_recent(*, limit: int = RECENT_EXPORTS) -> list[EvidenceExport]:
    """The newest exports, everyone's: auditors and admins share the evidence they take."""
    queryset: QuerySet[EvidenceExport] = EvidenceExport.objects.select_related("requested_by")
    return list(queryset.order_by("-created_at", "-pk")[:limit])


def exports_look_stale(exports: list[EvidenceExport], *, now: datetime | None = None) -> bool:
    """Whether one of these lost its worker (or never got one): the page then says so at once,
    without waiting for the cleanup schedule."""
    now = now or timezone.now()
    return any(
        (
            export.status == ExportStatus.RUNNING
            and export.heartbeat_at is not None
            and export.heartbeat_at < now - stale_after()
        )
        or (export.status == ExportStatus.QUEUED and export.created_at < now - QUEUED_GIVE_UP)
        for export in exports
    )
