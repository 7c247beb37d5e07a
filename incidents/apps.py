from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    """Canonical incidents synced from every provider, data-loss reports and incident checks."""

    name = "incidents"
    verbose_name = "Incidents"
