from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from accounts.services import user_role

# Only sections that exist are listed; each appears to the roles that may read it.
# (label, url name, permission needed or None for every signed-in user)
NAV_SECTIONS: tuple[tuple[str, str, str | None], ...] = (
    ("Incidents", "incidents:list", "incidents.view_incident"),
    ("Checks", "checks:list", "checks.view_checkstate"),
    ("Evidence", "evidence:export", "checks.export_evidence"),
    ("Integrations", "integrations:catalog", "integrations.view_connection"),
    ("Settings", "incident-policy", "checks.view_checkstate"),
)


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role": None}
    items = [
        {"label": label, "url": reverse(name), "active": request.path.startswith(reverse(name))}
        for label, name, perm in NAV_SECTIONS
        if perm is None or user.has_perm(perm)
    ]
    return {"nav_items": items, "user_role": user_role(user)}
