from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import require_permissions
from incidents.list_filters import IncidentFilterForm, sort_links
from incidents.list_rows import rows_html
from incidents.selectors import incident_list

VIEW = "incidents.view_incident"


@require_permissions(read=VIEW)
def incidents(request: HttpRequest) -> HttpResponse:
    form = IncidentFilterForm(request.GET)
    filters = form.filters()
    page = incident_list(
        page=request.GET.get("page"),
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
        **filters,
    )
    context = {
        "page": page,
        "rows_html": rows_html(page.object_list),
        "form": form,
        "ignored": form.ignored(),
        "filters": filters,
        "sort_links": sort_links(
            request.GET, sort=filters["sort"], descending=filters["descending"]
        ),
    }
    # HTMX asks for the table alone (filters, sorting, pages); a plain GET gets the whole page.
    template = "incidents/list.html" + ("#incident-table" if request.htmx else "")
    return render(request, template, context)
