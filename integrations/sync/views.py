"""Sync controls shared by every provider's connection page (URLs take the provider slug)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.permissions import require_permissions
from integrations.models import Connection, ConnectionStatus, SyncOutcome
from integrations.providers.registry import PROVIDERS
from integrations.services import connection_set_sync_interval
from integrations.sync.selectors import sync_last_success, sync_latest, sync_runs_page
from integrations.tasks import sync_enqueue

VIEW = "integrations.view_connection"
MANAGE = "integrations.manage_connection"
# After "Sync now", keep polling this long for the worker to pick the task up.
QUEUE_GRACE_SECONDS = 120


def _connection(provider: str) -> Connection:
    if provider not in PROVIDERS:
        raise Http404
    connection = Connection.objects.filter(provider=provider).first()
    if connection is None:
        raise Http404("Not connected.")
    return connection


def mark_sync_requested(request: HttpRequest, connection: Connection) -> None:
    """Remember that a sync was just queued, so the status card polls until it has run."""
    request.session[f"sync-requested-{connection.pk}"] = timezone.now().timestamp()


def sync_context(request: HttpRequest, connection: Connection) -> dict[str, object]:
    latest = sync_latest(connection=connection)
    running = latest is not None and latest.outcome == SyncOutcome.RUNNING
    requested = request.session.get(f"sync-requested-{connection.pk}")
    queued = (
        not running
        and requested is not None
        and (latest is None or latest.started_at.timestamp() < requested)
        and timezone.now().timestamp() - requested < QUEUE_GRACE_SECONDS
    )
    return {
        "connection": connection,
        "latest_run": latest,
        "last_success": sync_last_success(connection=connection),
        "sync_running": running,
        "sync_queued": queued,
        "incident_count": connection.incidents.filter(deleted_upstream=False).count(),
    }


@require_permissions(read=VIEW)
def sync_status(request: HttpRequest, provider: str) -> HttpResponse:
    connection = _connection(provider)
    context = {**sync_context(request, connection), "can_manage": request.user.has_perm(MANAGE)}
    response = render(request, "integrations/sync/status.html", context)
    if request.htmx and not (context["sync_running"] or context["sync_queued"]):
        # The poll that sees the sync end: tell the page, so the history reloads too.
        response["HX-Trigger"] = "sync-finished"
    return response


@require_permissions(read=VIEW)
def sync_history(request: HttpRequest, provider: str) -> HttpResponse:
    connection = _connection(provider)
    runs = sync_runs_page(connection=connection, page=request.GET.get("page"))
    template = "integrations/sync/history.html"
    return render(request, template, {"connection": connection, "runs": runs})


@require_permissions(read=None, write=MANAGE)
@require_POST
def sync_now(request: HttpRequest, provider: str) -> HttpResponse:
    connection = _connection(provider)
    if connection.status == ConnectionStatus.DISCONNECTED:
        messages.error(request, "This integration is disconnected: reconnect it to sync.")
        return redirect("integrations:" + provider)
    if connection.services_confirmed_at is None:
        messages.error(request, "Choose which services count first; syncing starts then.")
        return redirect("integrations:" + provider)
    full = request.POST.get("full") == "1"
    sync_enqueue(connection=connection, trigger="manual", full=full)
    mark_sync_requested(request, connection)
    kind = "A full reconciliation" if full else "A sync"
    messages.success(request, f"{kind} has been queued; progress shows below.")
    return redirect("integrations:" + provider)


@require_permissions(read=None, write=MANAGE)
@require_POST
def sync_frequency(request: HttpRequest, provider: str) -> HttpResponse:
    connection = _connection(provider)
    try:
        minutes = int(request.POST.get("minutes", ""))
        connection_set_sync_interval(connection=connection, minutes=minutes)
    except (ValueError, ValidationError) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else "Pick a frequency."
        messages.error(request, f"The sync frequency was not changed: {text}")
    else:
        messages.success(request, "Sync frequency saved.")
    return redirect("integrations:" + provider)
