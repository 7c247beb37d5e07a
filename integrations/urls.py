from django.urls import path

from integrations import views
from integrations.providers.opsgenie import views as opsgenie

app_name = "integrations"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("opsgenie/", opsgenie.detail, name="opsgenie"),
    path("opsgenie/connect/", opsgenie.connect_review, name="opsgenie-connect"),
    path("opsgenie/connect/details/", opsgenie.connect_details, name="opsgenie-connect-details"),
    path("opsgenie/edit/", opsgenie.edit, name="opsgenie-edit"),
    path("opsgenie/disconnect/", opsgenie.disconnect, name="opsgenie-disconnect"),
]
