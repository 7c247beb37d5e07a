from django.urls import path

from integrations import views
from integrations.providers.opsgenie import views as opsgenie
from integrations.providers.pagerduty import views as pagerduty
from integrations.sync import views as sync

app_name = "integrations"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("opsgenie/", opsgenie.detail, name="opsgenie"),
    path("opsgenie/connect/", opsgenie.connect_review, name="opsgenie-connect"),
    path("opsgenie/connect/details/", opsgenie.connect_details, name="opsgenie-connect-details"),
    path("opsgenie/edit/", opsgenie.edit, name="opsgenie-edit"),
    path("opsgenie/disconnect/", opsgenie.disconnect, name="opsgenie-disconnect"),
    path("pagerduty/", pagerduty.detail, name="pagerduty"),
    path("pagerduty/connect/", pagerduty.connect_review, name="pagerduty-connect"),
    path("pagerduty/connect/oauth/", pagerduty.connect_oauth, name="pagerduty-connect-oauth"),
    path("pagerduty/connect/key/", pagerduty.connect_key, name="pagerduty-connect-key"),
    path("pagerduty/oauth/callback/", pagerduty.oauth_callback, name="pagerduty-oauth-callback"),
    path("pagerduty/services/", pagerduty.services, name="pagerduty-services"),
    path("pagerduty/disconnect/", pagerduty.disconnect, name="pagerduty-disconnect"),
    # Sync controls are the same for every provider.
    path("<slug:provider>/sync/", sync.sync_now, name="sync-now"),
    path("<slug:provider>/sync/status/", sync.sync_status, name="sync-status"),
    path("<slug:provider>/sync/history/", sync.sync_history, name="sync-history"),
    path("<slug:provider>/sync/frequency/", sync.sync_frequency, name="sync-frequency"),
]
