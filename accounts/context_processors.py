from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from accounts.services import user_role

# Only sections that exist are listed; each appears to the roles that may read it.
# (label, url name, permission needed or None for every signed-in user)
NAV_SECTIONS: tuple[tuple[str, str, str | None], ...] = (
    ("Dashboard", "home", None),
    ("Incidents", "incidents:list", "incidents.view_incident"),
    ("Report an incident", "incidents:report", "incidents.view_incident"),
    ("Data library", "library:index", "incidents.view_incident"),
    ("Checks", "checks:list", "checks.view_checkstate"),
    ("Access", "access:overview", "access.view_criticalsystem"),
    ("Reviews", "access:reviews", "access.view_accessreview"),
    ("Evidence", "evidence:export", "checks.export_evidence"),
    ("Audit log", "audit:log", "audit.view_audit_log"),
    ("Integrations", "integrations:catalog", "integrations.view_connection"),
    ("Settings", "incident-policy", "checks.view_checkstate"),
    ("Users", "accounts:users", "auth.view_user"),
    ("Notifications", "notifications:channels", "notifications.view_channel"),
)


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_role": None}
    if getattr(request, "mfa_gate", "open") != "open":
        # Until the second factor: every page but the code (or set-up) page is closed anyway.
        return {"nav_items": [], "user_role": user_role(user), "mfa_pending": True}
    items = []
    for label, name, perm in NAV_SECTIONS:
        if perm is not None and not user.has_perm(perm):
            continue
        url = reverse(name)
        # "/" is a prefix of every path: the Dashboard is active only on itself.
        matches = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"label": label, "url": url, "active": matches})
    # Only the most specific match is active (/incidents/report/ is not also "Incidents").
    matching = [item for item in items if item["active"]]
    longest = max(matching, key=lambda item: len(str(item["url"])), default=None)
    for item in items:
        item["active"] = item is longest
    return {"nav_items": items, "user_role": user_role(user)}
