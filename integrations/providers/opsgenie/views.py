"""The OpsGenie wizard and connection page. Each step has its own bookmarkable URL; with HTMX the
same views answer with just the wizard body."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from accounts.permissions import require_permissions
from integrations.connect import ConnectRefused, key_connect
from integrations.connection_views import detail_page, disconnect_page
from integrations.providers.opsgenie.provider import PROVIDER
from integrations.selectors import connection_for
from integrations.sync.views import mark_sync_requested

VIEW = "integrations.view_connection"
MANAGE = "integrations.manage_connection"


def _render_step(request: HttpRequest, context: dict[str, object]) -> HttpResponse:
    context = {"provider": PROVIDER, **context}
    template = PROVIDER.wizard_template + ("#wizard" if request.htmx else "")
    return render(request, template, context)


@require_permissions(read=MANAGE)
def connect_review(request: HttpRequest) -> HttpResponse:
    return _render_step(request, {"step": 1, "mode": "connect"})


@require_permissions(read=MANAGE, write=MANAGE)
def connect_details(request: HttpRequest) -> HttpResponse:
    return _key_step(request, mode="connect")


@require_permissions(read=MANAGE, write=MANAGE)
def edit(request: HttpRequest) -> HttpResponse:
    if connection_for(provider=PROVIDER.slug) is None:
        return redirect(PROVIDER.connect_url_name)
    return _key_step(request, mode="edit")


def _key_step(request: HttpRequest, *, mode: str) -> HttpResponse:
    connection = connection_for(provider=PROVIDER.slug)
    initial = {"region": connection.region} if connection and mode == "edit" else {}
    form = PROVIDER.make_key_form(request.POST or None, initial=initial)
    failure = None
    if request.method == "POST" and form.is_valid():
        try:
            # The key form's fields are the service's: api_key and region.
            connection = key_connect(provider=PROVIDER, user=request.user, **form.cleaned_data)
        except ConnectRefused as refused:
            failure = refused.failure
        else:
            mark_sync_requested(request, connection)  # the first sync starts at once
            messages.success(request, "OpsGenie is connected. The first sync has started.")
            target = reverse(PROVIDER.url_name)
            if request.htmx:
                return HttpResponseClientRedirect(target)
            return redirect(target)
    context = {
        "step": 3 if failure else 2,
        "mode": mode,
        "form": form,
        "failure": failure,
        "connection": connection,
    }
    return _render_step(request, context)


@require_permissions(read=VIEW)
def detail(request: HttpRequest) -> HttpResponse:
    return detail_page(request, PROVIDER)


@require_permissions(read=MANAGE, write=MANAGE)
def disconnect(request: HttpRequest) -> HttpResponse:
    return disconnect_page(request, PROVIDER)
