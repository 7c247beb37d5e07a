"""The PagerDuty wizard: review permissions, then Connect with PagerDuty (OAuth 2.0 + PKCE) or
an API key; both end on the services step (``services_views.py``)."""

from __future__ import annotations

import hmac
import secrets
import time

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.permissions import require_permissions
from integrations.connection_views import detail_page, disconnect_page
from integrations.http import UpstreamError
from integrations.models import Connection, ErrorAction
from integrations.providers.pagerduty import PROVIDER, oauth
from integrations.providers.pagerduty.forms import PagerDutyKeyForm
from integrations.providers.pagerduty.validation import (
    OAUTH_WORDING,
    validate_key,
    validate_token,
)
from integrations.selectors import connection_for
from integrations.services import (
    connection_save_validated,
    connection_start_syncing,
    credential_hint,
)
from integrations.sync.views import mark_sync_requested
from integrations.validation import ValidationFailure, failure

VIEW = "integrations.view_connection"
MANAGE = "integrations.manage_connection"
WIZARD_TEMPLATE = "integrations/pagerduty/wizard.html"
SESSION_KEY = "pagerduty_oauth"
# An approval that takes longer than this must start again (the state is single-use anyway).
OAUTH_MAX_AGE_SECONDS = 15 * 60

# What the admin reads when PagerDuty's redirect or token answer is not a success.
OAUTH_ERRORS = {
    "access_denied": "You declined access in PagerDuty, so nothing was connected. To connect, "
    "choose Connect with PagerDuty again and approve.",
    "invalid_grant": "PagerDuty did not accept the authorization code: it is valid for only 30 "
    "seconds and once. Choose Connect with PagerDuty again.",
    "invalid_client": "PagerDuty did not recognise this installation's app credentials "
    "(PAGERDUTY_OAUTH_CLIENT_ID / PAGERDUTY_OAUTH_CLIENT_SECRET). Ask the operator to check "
    "them, or use an API key.",
}


def _render(request: HttpRequest, context: dict[str, object], status: int = 200) -> HttpResponse:
    context = {
        "provider": PROVIDER,
        "oauth_configured": oauth.is_configured(),
        "oauth_scope": oauth.requested_scope(),
        "app_type": settings.PAGERDUTY_OAUTH_APP_TYPE,
        **context,
    }
    template = WIZARD_TEMPLATE + ("#wizard" if request.htmx else "")
    return render(request, template, context, status=status)


@require_permissions(read=MANAGE)
def connect_review(request: HttpRequest) -> HttpResponse:
    return _render(request, {"step": 1, "connection": connection_for(provider=PROVIDER.slug)})


@require_permissions(read=MANAGE, write=MANAGE)
@require_POST
def connect_oauth(request: HttpRequest) -> HttpResponse:
    """Start the authorization (POST, so a link cannot start it): a fresh state and PKCE
    verifier, kept in this admin's session."""
    if not oauth.is_configured():
        return _render(request, {"step": 1, "failure": _not_configured()}, status=400)
    verifier, challenge = oauth.new_pkce_pair()
    state = secrets.token_urlsafe(32)
    redirect_uri = _redirect_uri(request)
    request.session[SESSION_KEY] = {
        "state": state,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "started": time.time(),
    }
    target = oauth.authorize_url(state=state, code_challenge=challenge, redirect_uri=redirect_uri)
    if request.htmx:
        return HttpResponseClientRedirect(target)
    return redirect(target)


@require_permissions(read=MANAGE)
def oauth_callback(request: HttpRequest) -> HttpResponse:
    """PagerDuty sends the admin back here. The state must be the one this session started."""
    pending = request.session.pop(SESSION_KEY, None)
    state = request.GET.get("state", "")
    if (
        not isinstance(pending, dict)
        or not state
        or not hmac.compare_digest(str(pending.get("state", "")), state)
    ):
        return _render(
            request,
            {
                "step": 1,
                "failure": ValidationFailure(
                    "This answer from PagerDuty does not belong to a connection started in "
                    "this browser session, so it was refused and nothing was saved. Start "
                    "again with Connect with PagerDuty.",
                    ErrorAction.RETRY,
                ),
            },
            status=403,
        )
    if time.time() - float(pending.get("started", 0)) > OAUTH_MAX_AGE_SECONDS:
        return _oauth_failed(request, "The approval took too long. Start again.")
    error = request.GET.get("error")
    code = request.GET.get("code", "")
    if error or not code:
        return _oauth_failed(request, OAUTH_ERRORS.get(error or "") or _declined_message(request))
    try:
        tokens = oauth.exchange_code(
            code=code, code_verifier=pending["verifier"], redirect_uri=pending["redirect_uri"]
        )
    except oauth.OAuthError as refused:
        said = f" (PagerDuty said: {refused.description})" if refused.description else ""
        message = (
            f"{OAUTH_ERRORS[refused.error]}{said}"
            if refused.error in OAUTH_ERRORS
            else f"PagerDuty refused the authorization ({refused.error}){said}."
        )
        return _oauth_failed(request, message)
    except UpstreamError as upstream:
        return _oauth_failed(request, failure(upstream, wording=OAUTH_WORDING).message)
    region, subdomain = oauth.account_of(tokens.claims)
    problem, region = validate_token(access_token=tokens.access_token, region=region)
    if problem is not None:
        return _oauth_failed(request, problem.message)
    connection = _save(
        request,
        region=region,
        credentials=tokens.credentials(),
        hint="",
        auth_method="oauth",
        account_name=subdomain,
    )
    return _after_save(request, connection)


@require_permissions(read=MANAGE, write=MANAGE)
def connect_key(request: HttpRequest) -> HttpResponse:
    connection = connection_for(provider=PROVIDER.slug)
    initial = {"region": connection.region} if connection else {}
    form = PagerDutyKeyForm(request.POST or None, initial=initial)
    problem = None
    if request.method == "POST" and form.is_valid():
        api_key, region = form.cleaned_data["api_key"], form.cleaned_data["region"]
        problem = validate_key(api_key=api_key, region=region)
        if problem is None:
            connection = _save(
                request,
                region=region,
                credentials={"api_key": api_key},
                hint=credential_hint(api_key),
                auth_method="api_key",
                account_name="",
            )
            response = _after_save(request, connection)
            if request.htmx:
                return HttpResponseClientRedirect(response["Location"])
            return response
    return _render(
        request,
        {"step": 3 if problem else 2, "form": form, "failure": problem, "connection": connection},
    )


@require_permissions(read=VIEW)
def detail(request: HttpRequest) -> HttpResponse:
    return detail_page(
        request, PROVIDER, "integrations/pagerduty/detail.html", extra=_chosen_service_names
    )


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


def _save(request: HttpRequest, **values: str | dict[str, str]) -> Connection:
    """Store validated credentials. Another account (or region) than before starts the service
    choice again; the same account keeps it, and syncing resumes at once."""
    previous = connection_for(provider=PROVIDER.slug)
    connection = connection_save_validated(
        provider=PROVIDER.slug, user=request.user, start_sync=False, **values
    )
    same_account = (
        previous is not None
        and previous.region == connection.region
        and previous.account_name == connection.account_name
    )
    if previous is not None and not same_account and connection.services_confirmed_at:
        connection.service_ids, connection.services_confirmed_at = [], None
        connection.save(update_fields=["service_ids", "services_confirmed_at", "updated_at"])
    return connection


def _after_save(request: HttpRequest, connection: Connection) -> HttpResponse:
    if connection.services_confirmed_at is None:
        messages.success(
            request, "PagerDuty accepted the connection. Now choose which services count."
        )
        return redirect("integrations:pagerduty-services")
    connection_start_syncing(connection)
    mark_sync_requested(request, connection)
    messages.success(request, "PagerDuty is connected again. A full sync has started.")
    return redirect("integrations:pagerduty")


def _oauth_failed(request: HttpRequest, message: str) -> HttpResponse:
    return _render(
        request,
        {"step": 1, "failure": ValidationFailure(message, ErrorAction.RETRY)},
    )


def _declined_message(request: HttpRequest) -> str:
    described = request.GET.get("error_description", "")[:200]
    if request.GET.get("error"):
        return f"PagerDuty did not authorize the connection ({request.GET['error'][:60]}). " + (
            f"It said: {described}" if described else "Nothing was saved."
        )
    return "PagerDuty sent no authorization code back. Nothing was saved; start again."


def _not_configured() -> ValidationFailure:
    return ValidationFailure(
        "Connect with PagerDuty is not set up on this installation: the operator must register "
        "a PagerDuty app and set PAGERDUTY_OAUTH_CLIENT_ID and PAGERDUTY_OAUTH_CLIENT_SECRET. "
        "You can use an API key instead.",
        ErrorAction.NONE,
    )
