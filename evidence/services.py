"""The export page's writes: ask for an export (queued for a worker), take a finished one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from audit.services import record_evidence_download
from evidence.models import ACTIVE_STATUSES, EvidenceExport, ExportStatus
from evidence.tasks import export_enqueue
from lib.evidence_files import Period

# A second click on Start this soon after the first, for the same period, is the same request
# even when the first export already finished (a small period builds in a second).
RESUBMIT_WINDOW = timedelta(seconds=10)


@dataclass(frozen=True)
class Requested:
    export: EvidenceExport
    # False: this person's export of this period was already queued, building or just made.
    started: bool


class ExportUnavailable(Exception):
    """Why a finished export cannot be downloaded (expired, not ready), said on the page."""


def _same(user: AbstractBaseUser, period: Period) -> QuerySet[EvidenceExport]:
    return EvidenceExport.objects.filter(
        requested_by=user, period_start=period.start, period_end=period.end
    )


def export_request(
    *, user: AbstractBaseUser, period: Period, now: datetime | None = None
) -> Requested:
    """Queue an export of ``period`` for ``user``, unless this is a double-submit: the same
    person's export of the same period is queued or building (a partial unique index holds this
    even for two requests at the same instant), or finished within RESUBMIT_WINDOW."""
    now = now or timezone.now()
    recent = Q(status__in=ACTIVE_STATUSES) | Q(
        status=ExportStatus.DONE, created_at__gte=now - RESUBMIT_WINDOW
    )
    existing = _same(user, period).filter(recent).first()
    if existing is not None:
        return Requested(export=existing, started=False)
    try:
        with transaction.atomic():
            export = EvidenceExport.objects.create(
                period_start=period.start, period_end=period.end, requested_by=user, created_at=now
            )
    except IntegrityError:
        # The other request of the double-submit created it between our check and our insert.
        existing = _same(user, period).filter(status__in=ACTIVE_STATUSES).first()
        if existing is None:
            raise
        return Requested(export=existing, started=False)
    # Only once committed: a worker that picks the task up must find the row.
    transaction.on_commit(lambda: export_enqueue(export.pk))
    return Requested(export=export, started=True)


def export_open(
    *, export: EvidenceExport, user: AbstractBaseUser, now: datetime | None = None
) -> IO[bytes]:
    """The finished ZIP, opened for reading; the download is recorded in the audit log (who,
    which period). Raises ExportUnavailable when there is none to give."""
    now = now or timezone.now()
    if export.expired(now):
        until = date_format(timezone.localtime(export.expires_at or now), "j M Y, H:i")
        raise ExportUnavailable(
            f"This export expired on {until} and its file was deleted. Start a new export."
        )
    if not export.downloadable(now) or export.path is None:
        raise ExportUnavailable("This export is not ready: only a finished one can be downloaded.")
    try:
        file = export.path.open("rb")
    except FileNotFoundError:
        raise ExportUnavailable(
            "This export's file is no longer in the export directory. Start a new export."
        ) from None
    record_evidence_download(user=user, start=export.period_start, end=export.period_end)
    return file
