"""The OpsGenie wizard and connection page. Each step has its own bookmarkable URL; with HTMX the
same views answer with just the wizard body."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.permissions import require_permissions
from integrations.connect import ConnectRefused, key_connect
from integrations.connection_views import detail_page, disconnect_page
from integrations.held_keys import EXPIRED, after_attempt, take_held_key
from integrations.moves import move_context
from integrations.providers.opsgenie.provider import PROVIDER
from integrations.selectors import connection_for
from integrations.stream_views import wizard_review_step, wizard_streams_off
from integrations.sync.views import mark_sync_requested
from integrations.validation import REGION_NAMES, ValidationFailure

VIEW = "integrations.view_connection"
MANAGE = "integrations.manage_connection"


def _render_step(request: HttpRequest, context: dict[str, object]) -> HttpResponse:
    context = {"provider": PROVIDER, **context}
    template = PROVIDER.wizard_template + ("#wizard" if request.htmx else "")
    return render(request, template, context)


@require_permissions(read=MANAGE, write=MANAGE)
def connect_review(request: HttpRequest) -> HttpResponse:
    """What the key needs, stream by stream; the optional streams' switches go on to the next
    step (held in the session until the key is accepted)."""
    return wizard_review_step(
        request,
        PROVIDER,
        next_url="integrations:opsgenie-connect-details",
        render_step=_render_step,
    )


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
    if request.method == "POST" and form.is_valid():
        # The key form's fields are the service's: api_key and region.
        connected = _connect(request, **form.cleaned_data)
        if isinstance(connected, HttpResponse):
            return connected
        return _details(request, mode=mode, form=form, failure=connected)
    return _details(request, mode=mode, form=form, failure=None)


@require_permissions(read=MANAGE, write=MANAGE)
@require_POST
def connect_other_region(request: HttpRequest) -> HttpResponse:
    """The wrong-region answer's one-click button: connect the key held on the server (never
    sent back to the browser) in the region that accepted it."""
    editing = request.POST.get("mode") == "edit" and connection_for(provider=PROVIDER.slug)
    mode = "edit" if editing else "connect"
    held = take_held_key(request.session, provider=PROVIDER.slug)
    if held is None:
        # Only preselects the region the admin was offered; the key must be typed again.
        region = request.POST.get("region")
        initial = {"region": region} if region in REGION_NAMES else {}
        form = PROVIDER.make_key_form(None, initial=initial)
        return _details(request, mode=mode, form=form, failure=EXPIRED)
    connected = _connect(request, api_key=held.api_key, region=held.region)
    if isinstance(connected, HttpResponse):
        return connected
    form = PROVIDER.make_key_form(None, initial={"region": held.region})
    return _details(request, mode=mode, form=form, failure=connected)


def _connect(
    request: HttpRequest, *, api_key: str, region: str
) -> HttpResponse | ValidationFailure:
    """Connect, answering with the redirect to the connection page; or what went wrong. A key
    of the other region is held for the one-click retry there."""
    try:
        connection = key_connect(
            provider=PROVIDER,
            user=request.user,
            api_key=api_key,
            region=region,
            streams_off=wizard_streams_off(request, PROVIDER),
        )
    except ConnectRefused as refused:
        after_attempt(
            request.session, provider=PROVIDER.slug, api_key=api_key, failure=refused.failure
        )
        return refused.failure
    after_attempt(request.session, provider=PROVIDER.slug, api_key=api_key, failure=None)
    mark_sync_requested(request, connection)  # the first sync starts at once
    messages.success(request, "OpsGenie is connected. The first sync has started.")
    target = reverse(PROVIDER.url_name)
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


def _details(
    request: HttpRequest, *, mode: str, form: object, failure: ValidationFailure | None
) -> HttpResponse:
    """The connection-details step; after a refusal it stays on this step, marked failed, so
    the step bar and the card name the same step."""
    context = {
        "step": 2,
        "failed": failure is not None,
        "mode": mode,
        "form": form,
        "failure": failure,
        "connection": connection_for(provider=PROVIDER.slug),
    }
    return _render_step(request, context)


@require_permissions(read=VIEW)
def detail(request: HttpRequest) -> HttpResponse:
    return detail_page(request, PROVIDER, extra=move_context(PROVIDER))


@require_permissions(read=MANAGE, write=MANAGE)
def disconnect(request: HttpRequest) -> HttpResponse:
    return disconnect_page(request, PROVIDER)
