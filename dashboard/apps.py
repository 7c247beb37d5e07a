from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The home page: checks, incident trends and integration health, read from every app below
    it and owned by none of them."""

    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from dashboard.tasks import ensure_refresh_schedule
        from incidents.moves import moved_incidents_matched
        from integrations.services import connection_disconnected, connection_services_changed
        from integrations.sync.stores import register_evaluator

        # After the incidents app's own (registered first, as INSTALLED_APPS lists it): a sync's
        # writes and what counts, rescoped, are in the figures.
        register_evaluator(refresh_after_change)
        connection_disconnected.connect(refresh_after_change, dispatch_uid="dashboard")
        connection_services_changed.connect(refresh_after_change, dispatch_uid="dashboard")
        # A move's matches: an incident both sources record is counted once from now on.
        moved_incidents_matched.connect(refresh_after_change, dispatch_uid="dashboard")
        post_migrate.connect(ensure_refresh_schedule, sender=self)


def refresh_after_change(**kwargs: object) -> None:
    """A sync wrote, an integration was disconnected, its chosen services changed, or a move's
    incidents were matched: the
    incidents that count changed, and the dashboard's figures with them."""
    from dashboard.services import snapshot_refresh

    snapshot_refresh()
