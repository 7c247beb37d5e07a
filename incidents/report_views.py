"""The "Report an incident" page: where staff send a new incident (PRODUCT 3.3)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import require_permissions
from integrations.selectors import report_address_links, report_addresses


@require_permissions(read="incidents.view_incident")
def report_incident(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "incidents/report.html",
        {
            "addresses": report_addresses(),
            "address_links": report_address_links(),
            "can_manage": request.user.has_perm("integrations.manage_connection"),
        },
    )
