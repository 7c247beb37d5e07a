"""The export page: start an export (a worker builds it), follow it, download it when ready."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format

from accounts.permissions import require_permissions
from evidence.cleanup import exports_fail_stale
from evidence.forms import PeriodForm
from evidence.models import EvidenceExport
from evidence.registry import evidence_files
from evidence.selectors import exports_look_stale, exports_recent
from evidence.services import ExportUnavailable, export_open, export_request
from lib.evidence_files import DEFAULT_PERIOD_DAYS

EXPORT = "checks.export_evidence"
POLL_SECONDS = 3


def _exports() -> list[EvidenceExport]:
    exports = exports_recent()
    if exports_look_stale(exports) and exports_fail_stale():
        exports = exports_recent()
    return exports


def _context(form: PeriodForm | None = None) -> dict[str, object]:
    exports = _exports()
    return {
        "form": form,
        "default_days": DEFAULT_PERIOD_DAYS,
        "files": evidence_files(),
        "exports": exports,
        "polling": any(export.active for export in exports),
        "poll_seconds": POLL_SECONDS,
        "keep_hours": settings.EVIDENCE_EXPORT_KEEP_HOURS,
        "now": timezone.now(),
    }


@require_permissions(read=EXPORT, write=EXPORT)
def export(request: HttpRequest) -> HttpResponse:
    if request.htmx and request.method == "GET":
        # The list's own poll while an export is queued or building.
        return render(request, "evidence/export.html#exports", _context())
    if request.method != "POST":
        form = PeriodForm(initial=PeriodForm.default_initial())
        return render(request, "evidence/export.html", _context(form))
    form = PeriodForm(request.POST)
    if not form.is_valid():
        return render(request, "evidence/export.html", _context(form), status=400)
    requested = export_request(user=request.user, period=form.period)
    period = f"{form.period.start.isoformat()} to {form.period.end.isoformat()}"
    if requested.started:
        messages.success(request, f"The export of {period} is queued; its progress shows below.")
    else:
        asked = date_format(timezone.localtime(requested.export.created_at), "H:i:s")
        messages.info(
            request,
            f"You asked for {period} at {asked} already, so no second export was started: "
            "it is the first one below.",
        )
    return redirect("evidence:export")


@require_permissions(read=EXPORT)
def download(request: HttpRequest, export: int) -> HttpResponse:
    record = get_object_or_404(EvidenceExport, pk=export)
    try:
        file = export_open(export=record, user=request.user)
    except ExportUnavailable as unavailable:
        messages.error(request, str(unavailable))
        return redirect("evidence:export")
    response = FileResponse(
        file, as_attachment=True, filename=record.period.filename, content_type="application/zip"
    )
    # Evidence is confidential: no shared or browser cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response
