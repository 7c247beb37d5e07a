from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.permissions import require_permissions
from incidents.forms import IncidentPolicyForm
from incidents.models import IncidentPolicy
from incidents.services import incident_policy_save
from lib.concurrency import ChangedMeanwhile

EDIT = "incidents.change_incidentpolicy"


@require_permissions(read="checks.view_checkstate", write=EDIT)
def incident_policy(request: HttpRequest) -> HttpResponse:
    policy = IncidentPolicy.current()
    can_edit = request.user.has_perm(EDIT)
    form = IncidentPolicyForm(request.POST or None, instance=policy) if can_edit else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            incident_policy_save(form=form)
        except ChangedMeanwhile as conflict:
            form = conflict.reshow(form)
        else:
            messages.success(
                request, "Incident policy saved; the incident checks were re-evaluated."
            )
            return redirect("incident-policy")
    if form is not None and form.errors:
        # The form bound to the instance changed it in memory: show the stored values too.
        policy = IncidentPolicy.current()
    history = policy.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "incidents/policy.html",
        {"policy": policy, "form": form, "can_edit": can_edit, "history": history},
    )
