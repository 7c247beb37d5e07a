"""Sync controls shared by every provider's connection page (URLs take the provider slug)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import require_permissions
from integrations.models import Connection
from integrations.providers.base import Provider
from integrations.providers.registry import providers
from integrations.services import connection_set_sync_interval
from integrations.sync.liveness import sync_interrupt_stale
from integrations.sync.selectors import SyncCard, sync_card, sync_runs_page
from integrations.sync.services import SyncRefused, sync_request

VIEW = "integrations.view_connection"
MANAGE = "integrations.manage_connection"


def provider_and_connection(slug: str) -> tuple[Provider, Connection]:
    provider = providers().get(slug)
    if provider is None:
        raise Http404
    connection = Connection.objects.filter(provider=slug).first()
    if connection is None:
        raise Http404("Not connected.")
    return provider, connection


def _requested_key(connection: Connection) -> str:
    return f"sync-requested-{connection.pk}"


def mark_sync_requested(request: HttpRequest, connection: Connection) -> None:
    """Remember that a sync was just queued, so the status card polls until it has run."""
    request.session[_requested_key(connection)] = timezone.now().timestamp()


def _card(request: HttpRequest, connection: Connection) -> SyncCard:
    # A run whose worker died shows as stopped, and stops holding the connection, as soon as
    # anyone looks: the card polls every 2 s while a sync runs.
    sync_interrupt_stale(connection=connection)
    requested_at = request.session.get(_requested_key(connection))
    return sync_card(connection=connection, requested_at=requested_at)


def sync_context(request: HttpRequest, connection: Connection) -> dict[str, object]:
    return {"connection": connection, "sync": _card(request, connection)}


@require_permissions(read=VIEW)
def sync_status(request: HttpRequest, provider: str) -> HttpResponse:
    _, connection = provider_and_connection(provider)
    card = _card(request, connection)
    context = {"connection": connection, "sync": card, "can_manage": request.user.has_perm(MANAGE)}
    response = render(request, "integrations/sync/status.html", context)
    if request.htmx and not card.polling:
        # The poll that sees the sync end: tell the page, so the history reloads too.
        response["HX-Trigger"] = "sync-finished"
    return response


@require_permissions(read=VIEW)
def sync_history(request: HttpRequest, provider: str) -> HttpResponse:
    _, connection = provider_and_connection(provider)
    runs = sync_runs_page(connection=connection, page=request.GET.get("page"))
    template = "integrations/sync/history.html"
    return render(request, template, {"connection": connection, "runs": runs})


@require_permissions(read=None, write=MANAGE)
@require_POST
def sync_now(request: HttpRequest, provider: str) -> HttpResponse:
    registered, connection = provider_and_connection(provider)
    full = request.POST.get("full") == "1"
    try:
        sync_request(connection=connection, full=full)
    except SyncRefused as refused:
        messages.error(request, str(refused))
    else:
        mark_sync_requested(request, connection)
        kind = "A full reconciliation" if full else "A sync"
        messages.success(request, f"{kind} has been queued; progress shows below.")
    return redirect(registered.url_name)


@require_permissions(read=None, write=MANAGE)
@require_POST
def sync_frequency(request: HttpRequest, provider: str) -> HttpResponse:
    registered, connection = provider_and_connection(provider)
    try:
        minutes = int(request.POST.get("minutes", ""))
        connection_set_sync_interval(connection=connection, minutes=minutes)
    except (ValueError, ValidationError) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else "Pick a frequency."
        messages.error(request, f"The sync frequency was not changed: {text}")
    else:
        messages.success(request, "Sync frequency saved.")
    return redirect(registered.url_name)
