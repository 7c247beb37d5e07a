"""``{% alerts_overview_row %}``: the alerts' row of the Data library's overview (its count per
source connection and when alerts were last synced). Alerts are this app's, not the library's
generic objects, so the row is drawn here, as the library's sections tag is drawn on the alert
pages (library_nav)."""

from __future__ import annotations

from typing import Any

from django import template

from alerts.overview import last_synced, present_by_connection

register = template.Library()


@register.inclusion_tag("alerts/_overview_row.html")
def alerts_overview_row() -> dict[str, Any]:
    held = present_by_connection()
    return {
        "held": held,
        "present": f"{sum(row.present for row in held):,}",
        "last_synced": last_synced(),
    }
