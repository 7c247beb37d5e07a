"""The org roles the admin keeps (Engineering, SRE, Support...): add, rename, and delete one
nobody has and no valid access names. Auditors read the list."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from access.models import OrgRole
from access.staff_forms import OrgRoleForm
from access.staff_selectors import org_roles_with_counts
from access.staff_services import org_role_delete, org_role_save
from accounts.permissions import require_permissions
from lib.concurrency import RefusedMeanwhile

VIEW = "access.view_orgrole"
ADD = "access.add_orgrole"
CHANGE = "access.change_orgrole"
DELETE = "access.delete_orgrole"
TEMPLATE = "access/staff/org_roles.html"


def _page(
    request: HttpRequest,
    *,
    form: OrgRoleForm | None = None,
    rename: tuple[int, OrgRoleForm] | None = None,
) -> HttpResponse:
    return render(
        request,
        TEMPLATE,
        {
            "roles": org_roles_with_counts(),
            "form": form or OrgRoleForm(),
            "rename_pk": rename[0] if rename else None,
            "rename_form": rename[1] if rename else None,
        },
    )


@require_permissions(read=VIEW, write=ADD)
def org_roles(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = OrgRoleForm(request.POST)
        if form.is_valid():
            try:
                role = org_role_save(form=form)
            except RefusedMeanwhile as refused:
                return _page(request, form=refused.form)
            messages.success(request, f"Org role “{role.name}” added.")
            return redirect("access:org-roles")
        return _page(request, form=form)
    return _page(request)


@require_permissions(read=CHANGE, write=CHANGE)
@require_POST
def org_role_rename(request: HttpRequest, role: int) -> HttpResponse:
    instance = get_object_or_404(OrgRole, pk=role)
    before = instance.name
    form = OrgRoleForm(request.POST, instance=instance)
    if form.is_valid():
        try:
            renamed = org_role_save(form=form)
        except RefusedMeanwhile as refused:
            return _page(request, rename=(instance.pk, refused.form))
        messages.success(request, f"Org role “{before}” renamed “{renamed.name}”.")
        return redirect("access:org-roles")
    return _page(request, rename=(instance.pk, form))


@require_permissions(read=DELETE, write=DELETE)
@require_POST
def org_role_delete_view(request: HttpRequest, role: int) -> HttpResponse:
    instance = get_object_or_404(OrgRole, pk=role)
    name = instance.name
    in_use = org_role_delete(role=instance)
    if in_use:
        messages.error(
            request,
            f"“{name}” is not deleted: {in_use}. Give those people another org role (and take "
            "it out of the valid access) first, or rename it.",
        )
    else:
        messages.success(request, f"Org role “{name}” deleted.")
    return redirect("access:org-roles")
