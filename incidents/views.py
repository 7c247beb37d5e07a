from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.permissions import require_permissions
from incidents.models import Incident
from incidents.selectors import incident_list
from integrations.providers.registry import PROVIDERS

VIEW = "incidents.view_incident"


@require_permissions(read=VIEW)
def incidents(request: HttpRequest) -> HttpResponse:
    page = incident_list(page=request.GET.get("page"))
    template = "incidents/list.html" + ("#incident-table" if request.htmx else "")
    return render(request, template, {"page": page})


@require_permissions(read=VIEW)
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.select_related("connection"), pk=pk)
    provider = PROVIDERS.get(incident.source)
    return render(request, "incidents/detail.html", {"incident": incident, "provider": provider})
