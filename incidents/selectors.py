from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from incidents.models import Incident

PER_PAGE = 50


def incident_list(*, page: str | int | None) -> Page:
    incidents: QuerySet[Incident] = Incident.objects.order_by("-created_at", "-id").only(
        "id", "source", "number", "title", "status", "priority", "created_at", "deleted_upstream"
    )
    return Paginator(incidents, PER_PAGE).get_page(page)
