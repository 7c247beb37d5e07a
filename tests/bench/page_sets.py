"""The pages `make bench` times (bench_pages.py): every variant of the incident list, the
incident page, the access pages and the dashboard, and Django's admin changelist beside them."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

# Each filter alone, with the values that cost the most (many matches, or none); every filter
# at once; a search of a word in a fifth of the incidents, of one in none, and of a number; a
# deep page; every sort both ways.
FILTERS = {
    "status open": {"status": "open"},
    "status closed": {"status": "closed"},
    "priority high": {"priority": "high"},
    "priority unknown": {"priority": "unknown"},
    "source": {"source": "opsgenie"},
    "service": {"service": "Checkout API"},
    "data loss yes": {"data_loss": "yes"},
    "data loss: no report": {"data_loss": "none"},
    "data loss reported upstream": {"data_loss": "reported"},
    "failing any check": {"check": "any"},
    "failing the SLA check": {"check": "incident-sla"},
    "failing the data-loss check": {"check": "incident-data-loss"},
    "counted": {"counted": "yes"},
    "not counted (none)": {"counted": "no"},
}
SEARCHES = {
    "search (a fifth match)": {"q": "checkout"},
    "search (accented, 6% match)": {"q": "zürich"},
}
# Found from PostgreSQL's trigram index; SQLite reads every incident for them (its simpler path,
# ~100 ms at 100,000), so they are timed on PostgreSQL only.
INDEXED_SEARCHES = {
    "search (no match)": {"q": "wombat"},
    "search a number": {"q": "#4242"},
}
SORTS = {
    "sorted by reported, oldest first": {"sort": "reported", "order": "asc"},
    "sorted by priority, highest first": {"sort": "priority", "order": "desc"},
    "sorted by priority, lowest first": {"sort": "priority", "order": "asc"},
    "sorted by status, open first": {"sort": "status", "order": "asc"},
    "sorted by status, closed first": {"sort": "status", "order": "desc"},
    "sorted by number, highest first": {"sort": "number", "order": "desc"},
    "sorted by number, lowest first": {"sort": "number", "order": "asc"},
}


def _dates() -> dict[str, str]:
    today = date.today()
    return {
        "created_from": (today - timedelta(days=90)).isoformat(),
        "created_to": (today - timedelta(days=30)).isoformat(),
    }


def list_pages() -> dict[str, str]:
    """Name → URL of every variant of the incident list timed on this database."""
    from django.db import connection

    pages = {"first page": {}}
    pages.update(FILTERS)
    pages["reported between two dates"] = _dates()
    pages["open, high, failing"] = {"status": "open", "priority": "high", "check": "any"}
    pages["every filter at once"] = {
        "q": "checkout",
        "status": "open",
        "priority": "high",
        "source": "opsgenie",
        "service": "Checkout API",
        "data_loss": "none",
        "check": "any",
        "counted": "yes",
        "created_from": (date.today() - timedelta(days=365)).isoformat(),
        "created_to": date.today().isoformat(),
        "sort": "priority",
    }
    pages.update(SEARCHES)
    if connection.vendor == "postgresql":
        pages.update(INDEXED_SEARCHES)
    pages["deep page (1500) typed"] = {"page": "1500"}
    pages["deep page (1500), priority, typed"] = {"page": "1500", "sort": "priority"}
    pages.update(SORTS)
    urls = {
        name: "/incidents/" + (f"?{urlencode(params)}" if params else "")
        for name, params in pages.items()
    }
    # Reached by the previous page's Next link, which seeks from where that page ends.
    urls["deep page (1500) by its Next link"] = "{deep_next}"
    urls["failing any check, page 100 by Next"] = "{failing_next}"
    return urls


def linked_pages() -> dict[str, str]:
    """The URLs of the Next links of page 1,499 and of page 99 of the failing incidents, as
    the list draws them (no cursor while the count is exact)."""
    from incidents.selectors import incident_list

    links = {}
    for key, page, filters in (("deep_next", 1499, {}), ("failing_next", 99, {"check": "any"})):
        result = incident_list(page=page, **filters)
        params = {**filters, "page": result.next_page_number()}
        if result.next_cursor:
            params["after"] = result.next_cursor
        links[key] = f"/incidents/?{urlencode(params)}"
    return links


OTHER_PAGES = {
    "incident page": "/incidents/{incident}/",
    "accounts of a critical system": "/access/systems/{system}/",
    "accounts: offboarded staff": "/access/systems/{system}/?category=Offboarded+staff",
    "accounts: search": "/access/systems/{system}/?q=person1",
    "dashboard": "/",
}
ADMIN = "/admin/incidents/incident/"
ADMIN_PAGES = {
    "admin changelist": ADMIN,
    "admin filtered": f"{ADMIN}?status__exact=open&priority__exact=high",
    "admin search": f"{ADMIN}?q=checkout",
    "admin deep page": f"{ADMIN}?p={{admin_deep}}",
}
