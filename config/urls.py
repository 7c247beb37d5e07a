from django.contrib import admin
from django.http import HttpRequest
from django.urls import include, path

from incidents.policy_views import incident_policy


def _superusers_only(request: HttpRequest) -> bool:
    # PRODUCT 1: Django's admin site stays available to superusers only, not to every is_staff.
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only  # type: ignore[method-assign]

# A body too large, or with too many fields, gets a page that says which limit it hit.
handler400 = "config.errors.bad_request"

urlpatterns = [
    path("", include("dashboard.urls")),
    path("", include("accounts.urls")),
    path("incidents/", include("incidents.urls")),
    # The Data library: what the integrations sync besides incidents, one page per kind.
    path("incidents/library/alerts/", include("alerts.urls")),
    path("incidents/library/", include("library.urls")),
    path("checks/", include("checks.urls")),
    path("evidence/", include("evidence.urls")),
    path("audit-log/", include("audit.urls")),
    path("access/", include("access.urls")),
    path("settings/integrations/", include("integrations.urls")),
    path("settings/users/", include("accounts.user_urls")),
    path("settings/notifications/", include("notifications.urls")),
    path("settings/incidents/", incident_policy, name="incident-policy"),
    path("admin/", admin.site.urls),
]
