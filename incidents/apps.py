from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    """Canonical incidents synced from every provider, data-loss reports and incident checks."""

    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from incidents.store import IncidentStore
        from integrations.sync.stores import register_store

        register_store("incidents", IncidentStore())
