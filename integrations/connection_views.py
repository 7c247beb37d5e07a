"""What every provider's connection page and disconnect page share."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from integrations.models import Connection, ConnectionStatus
from integrations.providers.base import Provider
from integrations.selectors import connection_for
from integrations.services import connection_disconnect
from integrations.stream_views import stream_rows
from integrations.sync.selectors import interval_choices, sync_runs_page
from integrations.sync.views import sync_context

MANAGE = "integrations.manage_connection"


def detail_page(
    request: HttpRequest,
    provider: Provider,
    extra: Callable[[Connection], dict[str, object]] | None = None,
) -> HttpResponse:
    """The connection page; admins without a connection go to the wizard, others get 404."""
    connection = connection_for(provider=provider.slug)
    if connection is None:
        if request.user.has_perm(MANAGE):
            return redirect(provider.connect_url_name)
        raise Http404(f"{provider.name} is not connected.")
    return render(
        request,
        provider.detail_template,
        {
            **sync_context(request, connection),
            "provider": provider,
            "can_manage": request.user.has_perm(MANAGE),
            "runs": sync_runs_page(connection=connection, page=request.GET.get("runs_page")),
            "interval_choices": interval_choices(),
            "stream_rows": stream_rows(provider, connection),
            **(extra(connection) if extra else {}),
        },
    )


def disconnect_page(request: HttpRequest, provider: Provider) -> HttpResponse:
    connection = connection_for(provider=provider.slug)
    if connection is None or connection.status == ConnectionStatus.DISCONNECTED:
        return redirect("integrations:catalog")
    if request.method == "POST":
        done = connection_disconnect(connection=connection, user=request.user)
        revoked = f" and {provider.name} revoked the authorization" if done.revoked else ""
        messages.success(
            request,
            f"{provider.name} is disconnected. Its synced evidence is kept; syncing has stopped, "
            f"the stored credentials are erased{revoked}.",
        )
        if done.not_revoked:
            messages.warning(request, done.not_revoked)
        for predecessor in connection.moved_from.order_by("pk"):
            # The move's successor is gone (incidents/moves.py): say what counts in its place.
            again = predecessor.counted_again
            messages.warning(
                request,
                f"{predecessor.get_provider_name()} moved to it: "
                f"{again} incident{'s' if again != 1 else ''} both recorded now count by "
                f"{predecessor.get_provider_name()}'s records again. Reconnect "
                f"{provider.name} to count them here again, or resume syncing "
                f"{predecessor.get_provider_name()} on its page.",
            )
        return redirect(provider.url_name)
    return render(
        request, "integrations/disconnect.html", {"provider": provider, "connection": connection}
    )
