from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import require_permissions
from integrations.selectors import catalog_entries

TABS = (("all", "All"), ("connected", "Connected"))


@require_permissions(read="integrations.view_connection")
def catalog(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    tab = request.GET.get("tab") if request.GET.get("tab") in dict(TABS) else "all"
    context = {
        "entries": catalog_entries(query=query, connected_only=tab == "connected"),
        "query": query,
        "tab": tab,
        "tabs": TABS,
    }
    template = "integrations/catalog.html"
    if request.htmx:
        # Live search and tab switches swap only the cards.
        template += "#catalog-results"
    return render(request, template, context)
