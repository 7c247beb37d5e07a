"""The services step: which PagerDuty services' incidents count, and where staff report
incidents. The first save starts syncing; later saves change what the next syncs read."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.permissions import require_permissions
from integrations.http import UpstreamError
from integrations.models import ConnectionStatus
from integrations.providers.pagerduty import PROVIDER
from integrations.providers.pagerduty.forms import ServicesForm
from integrations.providers.pagerduty.services import refresh_services, services_for
from integrations.providers.pagerduty.validation import failure_for_error
from integrations.selectors import connection_for
from integrations.services import connection_set_services
from integrations.sync.views import mark_sync_requested

MANAGE = "integrations.manage_connection"


@require_permissions(read=MANAGE, write=MANAGE)
def services(request: HttpRequest) -> HttpResponse:
    connection = connection_for(provider=PROVIDER.slug)
    if connection is None or connection.status == ConnectionStatus.DISCONNECTED:
        return redirect("integrations:pagerduty-connect")
    load_error = None
    if request.method == "GET":
        # The list comes from PagerDuty's /services each time the step opens.
        try:
            available = refresh_services(connection)
        except UpstreamError as error:
            load_error = failure_for_error(error).message
            available = services_for(connection)
    else:
        available = services_for(connection)
    first = connection.services_confirmed_at is None
    initial = {
        "scope": "some" if connection.service_ids else "all",
        "service_ids": connection.service_ids,
        "report_email": connection.report_email,
    }
    form = ServicesForm(request.POST or None, initial=initial, services=available)
    if request.method == "POST" and form.is_valid():
        started = connection_set_services(
            connection=connection,
            service_ids=list(form.cleaned_data["service_ids"]),
            report_email=form.cleaned_data["report_email"],
        )
        if started:
            mark_sync_requested(request, connection)
        if first:
            messages.success(request, "PagerDuty is connected. The first sync has started.")
        elif started:
            messages.success(
                request, "Services saved. A full sync has started to read the new selection."
            )
        else:
            messages.success(request, "Saved.")
        return redirect("integrations:pagerduty")
    selected = set(connection.service_ids)
    missing = [i for i in connection.service_ids if i not in {s.upstream_id for s in available}]
    return render(
        request,
        "integrations/pagerduty/services.html",
        {
            "provider": PROVIDER,
            "connection": connection,
            "form": form,
            "first": first,
            "load_error": load_error,
            "has_services": bool(available),
            "selected_count": len(selected),
            "missing_ids": missing,
        },
    )
