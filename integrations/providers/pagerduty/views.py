"""The PagerDuty wizard: review permissions, then Connect with PagerDuty (OAuth 2.0 + PKCE) or
an API key; both end on the services step. The flows themselves are in ``connect.py``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.permissions import require_permissions
from integrations.connect import ConnectRefused
from integrations.connection_views import detail_page, disconnect_page
from integrations.held_keys import EXPIRED, after_attempt, take_held_key
from integrations.models import Connection, ConnectionStatus
from integrations.providers.pagerduty import oauth
from integrations.providers.pagerduty.connect import key_connect, oauth_finish, oauth_start
from integrations.providers.pagerduty.forms import ServicesForm
from integrations.providers.pagerduty.provider import PROVIDER
from integrations.providers.pagerduty.service_selection import service_choices
from integrations.selectors import connection_for
from integrations.services import connection_set_services
from integrations.sync.views import mark_sync_requested
from integrations.validation import REGION_NAMES, ValidationFailure

VIEW = "integrations.view_connection"
MANAGE = "integrations.manage_connection"


def _render(request: HttpRequest, context: dict[str, object], status: int = 200) -> HttpResponse:
    context = {
        "provider": PROVIDER,
        "oauth_configured": oauth.is_configured(),
        "oauth_scope": oauth.requested_scope(),
        "app_type": settings.PAGERDUTY_OAUTH_APP_TYPE,
        **context,
    }
    template = PROVIDER.wizard_template + ("#wizard" if request.htmx else "")
    response = render(request, template, context, status=status)
    # "Connect with PagerDuty" posts here and is redirected to PagerDuty's consent page: the
    # Content-Security-Policy's form-action must allow that origin on this page (only).
    response._csp_update = {"form-action": [oauth.identity_origin()]}  # type: ignore[attr-defined]
    return response


def _refused(request: HttpRequest, refused: ConnectRefused) -> HttpResponse:
    return _render(request, {"step": 1, "failure": refused.failure}, status=refused.status)


@require_permissions(read=MANAGE)
def connect_review(request: HttpRequest) -> HttpResponse:
    return _render(request, {"step": 1, "connection": connection_for(provider=PROVIDER.slug)})


@require_permissions(read=MANAGE, write=MANAGE)
@require_POST
def connect_oauth(request: HttpRequest) -> HttpResponse:
    """Start the authorization (POST, so a link cannot start it)."""
    try:
        target = oauth_start(session=request.session, redirect_uri=_redirect_uri(request))
    except ConnectRefused as refused:
        return _refused(request, refused)
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


@require_permissions(read=MANAGE)
def oauth_callback(request: HttpRequest) -> HttpResponse:
    """PagerDuty sends the admin back here."""
    try:
        connection = oauth_finish(session=request.session, answer=request.GET, user=request.user)
    except ConnectRefused as refused:
        return _refused(request, refused)
    return _after_connect(request, connection)


@require_permissions(read=MANAGE, write=MANAGE)
def connect_key(request: HttpRequest) -> HttpResponse:
    connection = connection_for(provider=PROVIDER.slug)
    initial = {"region": connection.region} if connection else {}
    form = PROVIDER.make_key_form(request.POST or None, initial=initial)
    problem = None
    if request.method == "POST" and form.is_valid():
        connected = _connect_key(request, **form.cleaned_data)
        if isinstance(connected, HttpResponse):
            return connected
        problem = connected
    return _key_step(request, form=form, failure=problem)


@require_permissions(read=MANAGE, write=MANAGE)
@require_POST
def connect_key_other_region(request: HttpRequest) -> HttpResponse:
    """The wrong-region answer's one-click button: connect the key held on the server (never
    sent back to the browser) in the region that accepted it."""
    held = take_held_key(request.session, provider=PROVIDER.slug)
    if held is None:
        # Only preselects the region the admin was offered; the key must be typed again.
        region = request.POST.get("region")
        initial = {"region": region} if region in REGION_NAMES else {}
        return _key_step(
            request, form=PROVIDER.make_key_form(None, initial=initial), failure=EXPIRED
        )
    connected = _connect_key(request, api_key=held.api_key, region=held.region)
    if isinstance(connected, HttpResponse):
        return connected
    form = PROVIDER.make_key_form(None, initial={"region": held.region})
    return _key_step(request, form=form, failure=connected)


def _connect_key(
    request: HttpRequest, *, api_key: str, region: str
) -> HttpResponse | ValidationFailure:
    """Connect, answering with where to go next; or what went wrong. A key of the other region
    is held for the one-click retry there."""
    try:
        connection = key_connect(user=request.user, api_key=api_key, region=region)
    except ConnectRefused as refused:
        after_attempt(
            request.session, provider=PROVIDER.slug, api_key=api_key, failure=refused.failure
        )
        return refused.failure
    after_attempt(request.session, provider=PROVIDER.slug, api_key=api_key, failure=None)
    response = _after_connect(request, connection)
    if request.htmx:
        return HttpResponseClientRedirect(response["Location"])
    return response


def _key_step(
    request: HttpRequest, *, form: object, failure: ValidationFailure | None
) -> HttpResponse:
    """The API-key step; after a refusal it stays on this step, marked failed."""
    context = {
        "step": 2,
        "failed": failure is not None,
        "form": form,
        "failure": failure,
        "connection": connection_for(provider=PROVIDER.slug),
    }
    return _render(request, context)


@require_permissions(read=MANAGE, write=MANAGE)
def services(request: HttpRequest) -> HttpResponse:
    """The services step: which services' incidents count, and where staff report incidents.
    The first save starts syncing; later saves change what the next syncs read."""
    connection = connection_for(provider=PROVIDER.slug)
    if connection is None or connection.status == ConnectionStatus.DISCONNECTED:
        return redirect(PROVIDER.connect_url_name)
    # The list comes from PagerDuty's /services each time the step opens.
    choices = service_choices(connection=connection, refresh=request.method == "GET")
    first = connection.services_confirmed_at is None
    initial = {
        "scope": "some" if connection.service_ids else "all",
        "service_ids": connection.service_ids,
        "report_email": connection.report_email,
    }
    form = ServicesForm(request.POST or None, initial=initial, services=choices.services)
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
        return redirect(PROVIDER.url_name)
    return render(
        request,
        "integrations/pagerduty/services.html",
        {
            "provider": PROVIDER,
            "connection": connection,
            "form": form,
            "first": first,
            "load_error": choices.load_error,
            "has_services": bool(choices.services),
            "selected_count": len(set(connection.service_ids)),
            "missing_ids": choices.missing_ids(connection.service_ids),
        },
    )


@require_permissions(read=VIEW)
def detail(request: HttpRequest) -> HttpResponse:
    return detail_page(request, PROVIDER, extra=_chosen_service_names)


def _chosen_service_names(connection: Connection) -> dict[str, object]:
    names: list[str] = []
    if connection.service_ids:
        known = dict(connection.services.values_list("upstream_id", "name"))
        names = [known.get(upstream_id, upstream_id) for upstream_id in connection.service_ids]
    return {"selected_service_names": names}


@require_permissions(read=MANAGE, write=MANAGE)
def disconnect(request: HttpRequest) -> HttpResponse:
    return disconnect_page(request, PROVIDER)


def _redirect_uri(request: HttpRequest) -> str:
    # Registered on the PagerDuty app; by default this site's callback, as the browser sees it.
    return settings.PAGERDUTY_OAUTH_REDIRECT_URI or request.build_absolute_uri(
        reverse("integrations:pagerduty-oauth-callback")
    )


def _after_connect(request: HttpRequest, connection: Connection) -> HttpResponse:
    if connection.services_confirmed_at is None:
        messages.success(
            request, "PagerDuty accepted the connection. Now choose which services count."
        )
        return redirect("integrations:pagerduty-services")
    mark_sync_requested(request, connection)
    messages.success(request, "PagerDuty is connected again. A full sync has started.")
    return redirect(PROVIDER.url_name)
