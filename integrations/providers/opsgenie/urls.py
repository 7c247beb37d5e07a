"""Included under "opsgenie/" in the integrations namespace (integrations/urls.py)."""

from django.urls import path

from integrations.providers.opsgenie import views

urlpatterns = [
    path("", views.detail, name="opsgenie"),
    path("connect/", views.connect_review, name="opsgenie-connect"),
    path("connect/details/", views.connect_details, name="opsgenie-connect-details"),
    # The wrong-region answer's button: connects the key held on the server in the other region.
    path(
        "connect/other-region/",
        views.connect_other_region,
        name="opsgenie-connect-other-region",
    ),
    path("edit/", views.edit, name="opsgenie-edit"),
    path("disconnect/", views.disconnect, name="opsgenie-disconnect"),
]
