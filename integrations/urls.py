from django.urls import include, path

from integrations import move_views, stream_views, views
from integrations.providers.registry import providers
from integrations.sync import views as sync

app_name = "integrations"

urlpatterns = [
    path("", views.catalog, name="catalog"),
    # Each provider's wizard and connection page; its URL names join this namespace.
    *(path(f"{slug}/", include(provider.urls)) for slug, provider in providers().items()),
    # Sync controls are the same for every provider.
    path("<slug:provider>/sync/", sync.sync_now, name="sync-now"),
    path("<slug:provider>/sync/status/", sync.sync_status, name="sync-status"),
    path("<slug:provider>/sync/history/", sync.sync_history, name="sync-history"),
    path("<slug:provider>/sync/frequency/", sync.sync_frequency, name="sync-frequency"),
    path("<slug:provider>/streams/", stream_views.stream_switches, name="streams"),
    # The move off a provider that ends (integrations/moves.py).
    path("<slug:provider>/move/", move_views.connection_move_view, name="connection-move"),
    path(
        "<slug:provider>/move/resume/",
        move_views.connection_resume_view,
        name="connection-move-resume",
    ),
]
