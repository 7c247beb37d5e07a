from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Upstream alerts (OpsGenie), synced incrementally and browsed in the Data library."""

    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from alerts.detail_store import AlertDetailsStore
        from alerts.selectors import DETAILS_STREAM, STREAM, held_alerts
        from alerts.store import AlertStore
        from integrations.sync.counts import register_counter
        from integrations.sync.stores import register_store

        register_store(STREAM, AlertStore())
        register_store(DETAILS_STREAM, AlertDetailsStore())
        register_counter(STREAM, held_alerts)
