"""The Move section's form (on the connection page of a provider that ends): admins only."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format

from accounts.permissions import require_permissions
from integrations.models import Connection
from integrations.moves import (
    MoveRefused,
    connection_move,
    connection_resume_syncing,
    successor_candidates,
)
from integrations.providers.base import Provider
from integrations.providers.registry import providers
from integrations.selectors import connection_for

MANAGE = "integrations.manage_connection"


class MoveForm(forms.Form):
    successor = forms.TypedChoiceField(coerce=int, label="Successor")
    stop_on = forms.DateField(label="Stop syncing on")

    def __init__(self, *args: object, choices: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["successor"].choices = choices  # type: ignore[attr-defined]


def _movable(provider: str) -> tuple[Provider, Connection]:
    """The provider (one that ends) and its connection, or 404."""
    known = providers().get(provider)
    connection = connection_for(provider=provider) if known else None
    if known is None or connection is None or known.end_of_life is None:
        raise Http404("No connection of that provider can move.")
    return known, connection


@require_permissions(read=MANAGE, write=MANAGE)
def connection_move_view(request: HttpRequest, provider: str) -> HttpResponse:
    """POST: set the move; a refusal is shown on the connection page and changes nothing."""
    known, connection = _movable(provider)
    if request.method != "POST":
        return redirect(known.url_name)
    candidates = {c.pk: c for c in successor_candidates(known)}
    form = MoveForm(request.POST, choices=[(pk, str(pk)) for pk in candidates])
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[name].label}: {' '.join(errors)}" if name in form.fields else errors[0]
            for name, errors in form.errors.items()
        )
        messages.error(request, f"The move was not set ({problems}). Nothing was changed.")
        return redirect(known.url_name)
    stop_on: date = form.cleaned_data["stop_on"]
    try:
        moved = connection_move(
            connection=connection,
            successor=candidates[form.cleaned_data["successor"]],
            stop_on=stop_on,
            user=request.user,
        )
    except MoveRefused as refused:
        messages.error(request, f"The move was not set: {refused} Nothing was changed.")
        return redirect(known.url_name)
    successor = providers()[moved.moved_to.provider].name  # type: ignore[union-attr]
    when = "today" if stop_on == timezone.localdate() else date_format(stop_on, "j M Y")
    messages.success(
        request,
        f"{known.name} moves to {successor}: it stops syncing {when} and is kept as evidence. "
        f"Incidents both record are counted once.",
    )
    return redirect(known.url_name)


@require_permissions(read=MANAGE, write=MANAGE)
def connection_resume_view(request: HttpRequest, provider: str) -> HttpResponse:
    """POST: cancel the move of a connection whose successor was disconnected; it syncs again."""
    known, connection = _movable(provider)
    if request.method != "POST":
        return redirect(known.url_name)
    try:
        connection_resume_syncing(connection=connection)
    except MoveRefused as refused:
        messages.error(request, f"Syncing was not resumed: {refused} Nothing was changed.")
        return redirect(known.url_name)
    messages.success(
        request,
        f"The move is cancelled: {known.name} syncs again from its next scheduled sync, and its "
        "incidents count. Set a move again once its successor is connected.",
    )
    return redirect(known.url_name)
