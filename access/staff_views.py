"""The staff directory's pages: the list (search, filters, pages), a person with every kept
change, and the add and edit forms (admins). Thin: permission → form → one service call."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from access.models import StaffMember, StaffStatus
from access.staff_forms import StaffFilterForm, StaffMemberForm
from access.staff_history import person_history
from access.staff_selectors import staff_page
from access.staff_services import staff_member_save
from accounts.permissions import require_permissions
from lib.concurrency import ChangedMeanwhile, RefusedMeanwhile

VIEW = "access.view_staffmember"
ADD = "access.add_staffmember"
CHANGE = "access.change_staffmember"


@require_permissions(read=VIEW)
def staff_list(request: HttpRequest) -> HttpResponse:
    form = StaffFilterForm(request.GET)
    page = staff_page(page=request.GET.get("page"), **form.filters())
    context = {
        "page": page,
        "form": form,
        "ignored": form.ignored(),
        "directory_empty": not page.object_list and not StaffMember.objects.exists(),
    }
    # HTMX asks for the table alone (filters, pages); a plain GET gets the whole page.
    template = "access/staff/list.html" + ("#staff-table" if request.htmx else "")
    return render(request, template, context)


@require_permissions(read=VIEW)
def staff_detail(request: HttpRequest, person: int) -> HttpResponse:
    member = get_object_or_404(StaffMember.objects.select_related("org_role", "manager"), pk=person)
    reports = member.reports.order_by("name").only("name", "email")[:50]
    return render(
        request,
        "access/staff/detail.html",
        {
            "person": member,
            "reports": reports,
            "report_count": member.reports.count(),
            "history": person_history(member),
        },
    )


def _saved_message(request: HttpRequest, person: StaffMember, *, was: str | None) -> None:
    text = f"{person.name} saved."
    if person.status == StaffStatus.OFFBOARDED and was != StaffStatus.OFFBOARDED:
        text += (
            f" Offboarded: recorded on {person.offboarded_on:%Y-%m-%d}, last working day "
            f"{person.last_working_day:%Y-%m-%d}."
        )
    messages.success(request, text)


@require_permissions(read=ADD, write=ADD)
def staff_add(request: HttpRequest) -> HttpResponse:
    form = StaffMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = staff_member_save(form=form)
        except RefusedMeanwhile as refused:
            form = refused.form
        else:
            _saved_message(request, person, was=None)
            return redirect("access:staff-detail", person=person.pk)
    return render(request, "access/staff/form.html", {"form": form, "person": None})


@require_permissions(read=CHANGE, write=CHANGE)
def staff_edit(request: HttpRequest, person: int) -> HttpResponse:
    member = get_object_or_404(StaffMember.objects.select_related("manager"), pk=person)
    # Validating the form writes the typed values onto the instance: keep what is saved.
    was, saved_name = member.status, member.name
    form = StaffMemberForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            member = staff_member_save(form=form)
        except ChangedMeanwhile as conflict:
            # Nothing saved: what was typed comes back, carrying the version now stored.
            form, member = conflict.reshow(form), conflict.current
            saved_name = member.name
        except RefusedMeanwhile as refused:
            form = refused.form
        else:
            _saved_message(request, member, was=was)
            return redirect("access:staff-detail", person=member.pk)
    return render(
        request,
        "access/staff/form.html",
        {"form": form, "person": member, "saved_name": saved_name},
    )
