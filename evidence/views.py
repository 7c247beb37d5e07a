from __future__ import annotations

from datetime import date

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import require_permissions
from audit.services import record_evidence_download
from evidence.archive import build_evidence_zip
from evidence.registry import evidence_files
from lib.dates import ISO_DATE, BoundedDateField
from lib.evidence_files import DEFAULT_PERIOD_DAYS, Period

EXPORT = "checks.export_evidence"


class PeriodForm(forms.Form):
    # Only ISO dates: the URL is bookmarkable and must mean the same day in every locale.
    start = BoundedDateField(
        label="From", input_formats=ISO_DATE, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = BoundedDateField(
        label="To (included)",
        input_formats=ISO_DATE,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            raise forms.ValidationError("The end date is before the start date.")
        return cleaned


def _default_form_data() -> dict[str, str]:
    period = Period.default()
    return {"start": period.start.isoformat(), "end": period.end.isoformat()}


def _page(request: HttpRequest, form: PeriodForm, *, status: int = 200) -> HttpResponse:
    context = {"form": form, "default_days": DEFAULT_PERIOD_DAYS, "files": evidence_files()}
    return render(request, "evidence/export.html", context, status=status)


@require_permissions(read=EXPORT)
def export(request: HttpRequest) -> HttpResponse:
    return _page(request, PeriodForm(initial=_default_form_data()))


@require_permissions(read=EXPORT)
def download(request: HttpRequest) -> HttpResponse:
    # A missing date means the default period; a date that is given must be valid.
    form = PeriodForm({**_default_form_data(), **request.GET.dict()})
    if not form.is_valid():
        return _page(request, form, status=400)
    period = Period(start=form.cleaned_data["start"], end=form.cleaned_data["end"])
    archive = build_evidence_zip(period=period, generated_by=request.user)
    record_evidence_download(user=request.user, start=period.start, end=period.end)
    response = FileResponse(
        archive, as_attachment=True, filename=period.filename, content_type="application/zip"
    )
    # Evidence is confidential: no shared or browser cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response
