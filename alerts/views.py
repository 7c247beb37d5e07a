"""The Data library's alert pages: a list with search and filters, and each alert with its
upstream fields as they were synced. Every role may read them; nothing here writes."""

from __future__ import annotations

import json

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.permissions import require_permissions
from alerts.details_page import alert_details, details_backlog
from alerts.list_filters import AlertFilterForm
from alerts.list_pages import paginate
from alerts.list_rows import rows_html
from alerts.models import Alert
from alerts.overview import last_synced
from alerts.search import matching
from alerts.selectors import STREAM
from integrations.providers.registry import provider_name
from integrations.selectors import streams_switched_off

# The Data library belongs to Incidents: whoever may read incidents (every role) reads it.
VIEW = "incidents.view_incident"


def _filtered(filters: dict) -> QuerySet[Alert]:
    alerts = Alert.objects.all()
    if filters["search"]:
        alerts = matching(alerts, filters["search"])
    if filters["status"]:
        alerts = alerts.filter(status=filters["status"])
    if filters["priority"]:
        alerts = alerts.filter(priority=filters["priority"])
    if filters["acknowledged"]:
        alerts = alerts.filter(acknowledged=filters["acknowledged"] == "yes")
    if filters["connection"] is not None:
        alerts = alerts.filter(connection_id=filters["connection"])
    return alerts


@require_permissions(read=VIEW)
def alert_list(request: HttpRequest) -> HttpResponse:
    form = AlertFilterForm(request.GET)
    filters = form.filters()
    page = paginate(
        _filtered(filters),
        after=request.GET.get("after", ""),
        number=request.GET.get("page"),
    )
    context = {
        "page": page,
        "rows_html": rows_html(page.rows),
        "form": form,
        "ignored": form.ignored(),
        "last_synced": last_synced(),
        # Outside the table an HTMX filter swaps: not counted again for it.
        "backlog": None if request.htmx else details_backlog(),
        "switched_off": streams_switched_off(stream=STREAM),
    }
    template = "alerts/list.html" + ("#alert-table" if request.htmx else "")
    return render(request, template, context)


@require_permissions(read=VIEW)
def alert_detail(request: HttpRequest, alert: int) -> HttpResponse:
    row = get_object_or_404(Alert, pk=alert)
    context = {
        "alert": row,
        "source_label": provider_name(row.provider),
        # Pretty-printed for reading; the template escapes it like any upstream text.
        "raw_text": json.dumps(row.raw, indent=2, ensure_ascii=False, sort_keys=True),
        **alert_details(row),
    }
    return render(request, "alerts/detail.html", context)
