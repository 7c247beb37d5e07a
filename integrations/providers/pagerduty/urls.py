"""Included under "pagerduty/" in the integrations namespace (integrations/urls.py)."""

from django.urls import path

from integrations.providers.pagerduty import views

urlpatterns = [
    path("", views.detail, name="pagerduty"),
    path("connect/", views.connect_review, name="pagerduty-connect"),
    path("connect/oauth/", views.connect_oauth, name="pagerduty-connect-oauth"),
    path("connect/key/", views.connect_key, name="pagerduty-connect-key"),
    # The wrong-region answer's button: connects the key held on the server in the other region.
    path(
        "connect/key/other-region/",
        views.connect_key_other_region,
        name="pagerduty-connect-key-other-region",
    ),
    path("oauth/callback/", views.oauth_callback, name="pagerduty-oauth-callback"),
    path("services/", views.services, name="pagerduty-services"),
    path("disconnect/", views.disconnect, name="pagerduty-disconnect"),
]
