"""The Jira Service Management wizard (Review permissions → Connection details → Validate) and
connection page. Each step has its own bookmarkable URL; with HTMX the same views answer with
just the wizard body."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from accounts.permissions import require_permissions
from integrations.connect import ConnectRefused
from integrations.connection_views import detail_page, disconnect_page
from integrations.models import Connection
from integrations.providers.jsm.connect import jsm_connect
from integrations.providers.jsm.forms import JsmConnectForm
from integrations.providers.jsm.provider import PROVIDER
from integrations.providers.jsm.site import site_host
from integrations.selectors import connection_for
from integrations.stream_views import wizard_review_step, wizard_streams_off
from integrations.sync.views import mark_sync_requested
from integrations.validation import ValidationFailure

VIEW = "integrations.view_connection"
MANAGE = "integrations.manage_connection"
DETAILS_URL = "integrations:jsm-connect-details"


def _render_step(request: HttpRequest, context: dict[str, object]) -> HttpResponse:
    context = {"provider": PROVIDER, **context}
    template = PROVIDER.wizard_template + ("#wizard" if request.htmx else "")
    return render(request, template, context)


@require_permissions(read=MANAGE, write=MANAGE)
def connect_review(request: HttpRequest) -> HttpResponse:
    """What is read and what the account needs; Next goes on to the details step."""
    return wizard_review_step(request, PROVIDER, next_url=DETAILS_URL, render_step=_render_step)


@require_permissions(read=MANAGE, write=MANAGE)
def connect_details(request: HttpRequest) -> HttpResponse:
    return _details_step(request, mode="connect")


@require_permissions(read=MANAGE, write=MANAGE)
def edit(request: HttpRequest) -> HttpResponse:
    if connection_for(provider=PROVIDER.slug) is None:
        return redirect(PROVIDER.connect_url_name)
    return _details_step(request, mode="edit")


def _details_step(request: HttpRequest, *, mode: str) -> HttpResponse:
    connection = connection_for(provider=PROVIDER.slug)
    initial = _saved(connection) if mode == "edit" else {}
    form = JsmConnectForm(request.POST or None, initial=initial)
    failure: ValidationFailure | None = None
    if request.method == "POST" and form.is_valid():
        try:
            connected = jsm_connect(
                user=request.user,
                streams_off=wizard_streams_off(request, PROVIDER),
                **form.cleaned_data,
            )
        except ConnectRefused as refused:
            failure = refused.failure
        else:
            mark_sync_requested(request, connected)  # the first sync starts at once
            messages.success(
                request, "Jira Service Management is connected. The first sync has started."
            )
            target = reverse(PROVIDER.url_name)
            return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    context = {
        "step": 2,
        "failed": failure is not None,
        "mode": mode,
        "form": form,
        "failure": failure,
        "connection": connection,
    }
    return _render_step(request, context)


def _saved(connection: Connection | None) -> dict[str, str]:
    """What the edit form starts from: everything but the token, which is typed again."""
    if connection is None:
        return {}
    saved = connection.get_credentials()
    return {name: str(saved.get(name) or "") for name in ("site", "email", "jql")}


def _facts(connection: Connection) -> dict[str, object]:
    saved = connection.get_credentials()
    site = str(saved.get("site") or connection.account_name)
    return {
        "site_host": site_host(site) if site else "",
        "account_email": saved.get("email", ""),
        "jql": saved.get("jql", ""),
        # The connections that moved here (integrations/moves.py): this one carries them on.
        "moved_from": list(connection.moved_from.order_by("pk")),
    }


@require_permissions(read=VIEW)
def detail(request: HttpRequest) -> HttpResponse:
    return detail_page(request, PROVIDER, extra=_facts)


@require_permissions(read=MANAGE, write=MANAGE)
def disconnect(request: HttpRequest) -> HttpResponse:
    return disconnect_page(request, PROVIDER)
