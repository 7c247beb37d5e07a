"""Included under "jsm/" in the integrations namespace (integrations/urls.py)."""

from django.urls import path

from integrations.providers.jsm import views

urlpatterns = [
    path("", views.detail, name="jsm"),
    path("connect/", views.connect_review, name="jsm-connect"),
    path("connect/details/", views.connect_details, name="jsm-connect-details"),
    path("edit/", views.edit, name="jsm-edit"),
    path("disconnect/", views.disconnect, name="jsm-disconnect"),
]
