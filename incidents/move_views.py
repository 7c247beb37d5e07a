"""The page of a move's incidents (integrations/moves.py, incidents/moves.py): how many each side
holds and how many are counted once, and the successor's incidents that look moved but carry
nothing to match them by, each with a form to match it by hand (admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from accounts.permissions import require_permissions
from incidents.models import Incident, IncidentMatch
from incidents.moves import MatchRefused, match_by_hand, move_counts, waiting_for_match
from integrations.models import Connection

VIEW = "integrations.view_connection"
MANAGE = "integrations.manage_connection"
PAGE_SIZE = 50


def _predecessor(connection_id: int) -> Connection:
    connection = get_object_or_404(Connection.objects.select_related("moved_to"), pk=connection_id)
    if connection.moved_to is None:
        raise Http404("This integration has not moved.")
    return connection


@require_permissions(read=VIEW, write=MANAGE)
def moved_incidents(request: HttpRequest, connection_id: int) -> HttpResponse:
    predecessor = _predecessor(connection_id)
    if request.method == "POST":
        return _match(request, predecessor)
    waiting = waiting_for_match(predecessor)
    page = Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "predecessor": predecessor,
        "successor": predecessor.moved_to,
        "counts": move_counts(predecessor),
        "page": page,
        "waiting": list(page.object_list),
        "matches": IncidentMatch.objects.filter(moved__connection=predecessor)
        .select_related("moved", "successor", "matched_by")
        .order_by("-matched_at", "-id")[:50],
        "can_manage": request.user.has_perm(MANAGE),
    }
    return render(request, "incidents/moved.html", context)


def _match(request: HttpRequest, predecessor: Connection) -> HttpResponse:
    target = redirect("incidents:moved", connection_id=predecessor.pk)
    incident_id = request.POST.get("incident", "")
    number = request.POST.get("number", "")
    incident = (
        Incident.objects.filter(pk=int(incident_id), connection=predecessor.moved_to).first()
        if incident_id.isdigit() and len(incident_id) < 10
        else None
    )
    if incident is None:
        messages.error(request, "That incident is not one of the successor's; nothing was matched.")
        return target
    if not number.strip() or len(number) > 32:
        messages.error(
            request,
            f"Type the number of the {predecessor.get_provider_name()} incident that "
            f"{incident.number} is; nothing was matched.",
        )
        return target
    try:
        match = match_by_hand(
            predecessor=predecessor, successor_incident=incident, number=number, user=request.user
        )
    except MatchRefused as refused:
        messages.error(request, f"{refused} Nothing was matched.")
        return target
    messages.success(
        request,
        f"{predecessor.get_provider_name()} #{match.moved.number} is {incident.source_label} "
        f"{incident.number}: counted once from now on.",
    )
    return target
