"""Importing the staff directory from a CSV upload: upload → preview (nothing saved) → confirm.

The upload is kept server-side (StaffImportUpload) between the preview and the confirmation,
so what is confirmed is exactly the file previewed; the confirmation plans it again and saves
only if the result is what the preview showed."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from access.models import StaffImportUpload
from access.staff_forms import StaffImportForm
from access.staff_import import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    ImportPlan,
    ImportRefused,
    PreviewOutdated,
    apply_import,
    decode,
    plan_import,
    refuse_if_too_large,
)
from accounts.permissions import require_permissions

CHANGE = "access.change_staffmember"
ADD = "access.add_staffmember"
TEMPLATE = "access/staff/import.html"
KEPT_FOR = timedelta(days=1)


class ConfirmForm(forms.Form):
    upload = forms.UUIDField()
    digest = forms.CharField(max_length=64)


def _may_import(request: HttpRequest) -> None:
    # An import creates people and changes them: it needs both.
    if not request.user.has_perm(ADD):
        raise PermissionDenied


def _page(request: HttpRequest, **context: object) -> HttpResponse:
    context.setdefault("form", StaffImportForm())
    context.update(columns=",".join(COLUMNS), max_mb=MAX_BYTES // 1_048_576, max_rows=MAX_ROWS)
    return render(request, TEMPLATE, context)


def _preview(request: HttpRequest, plan: ImportPlan, upload: StaffImportUpload | None, **extra):  # type: ignore[no-untyped-def]
    return _page(request, plan=plan, upload=upload, **extra)


@require_permissions(read=CHANGE, write=CHANGE)
def staff_import(request: HttpRequest) -> HttpResponse:
    _may_import(request)
    if request.method != "POST":
        return _page(request)
    form = StaffImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form)
    file = form.cleaned_data["file"]
    try:
        refuse_if_too_large(file.size)  # before reading it
        text = decode(file.read())
    except ImportRefused as refusal:
        form.add_error("file", str(refusal))
        return _page(request, form=form)
    plan = plan_import(text)
    if not plan.ok or not plan.has_changes:
        return _preview(request, plan, None)
    # One pending upload per admin, none older than a day.
    StaffImportUpload.objects.filter(uploaded_by=request.user).delete()
    StaffImportUpload.objects.filter(uploaded_at__lt=timezone.now() - KEPT_FOR).delete()
    upload = StaffImportUpload.objects.create(
        uploaded_by=request.user, filename=file.name[:255], content=text
    )
    return _preview(request, plan, upload)


@require_permissions(read=CHANGE, write=CHANGE)
@require_POST
def staff_import_confirm(request: HttpRequest) -> HttpResponse:
    _may_import(request)
    form = ConfirmForm(request.POST)
    upload = None
    if form.is_valid():
        upload = StaffImportUpload.objects.filter(
            pk=form.cleaned_data["upload"],
            uploaded_by=request.user,
            uploaded_at__gte=timezone.now() - KEPT_FOR,
        ).first()
    if upload is None:
        messages.error(
            request,
            "That upload is no longer here (confirmed already, or older than a day). "
            "Nothing was saved: upload the file again.",
        )
        return redirect("access:staff-import")
    try:
        plan = apply_import(
            upload.content, user=request.user, expected_digest=form.cleaned_data["digest"]
        )
    except PreviewOutdated as outdated:
        return _preview(request, outdated.plan, upload, outdated=True)
    if not plan.ok:
        upload.delete()
        return _preview(request, plan, None, outdated=True)
    upload.delete()
    messages.success(request, "Staff import saved. " + "; ".join(plan.summary()) + ".")
    return redirect("access:staff")
