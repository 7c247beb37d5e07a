from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    """Canonical incidents synced from every provider, data-loss reports and incident checks."""

    name = "incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        from incidents.checks import register_incident_checks
        from incidents.store import IncidentStore
        from integrations.sync.stores import register_evaluator, register_store

        register_store("incidents", IncidentStore())
        register_incident_checks()
        register_evaluator(evaluate_after_sync)


def evaluate_after_sync(**kwargs: object) -> None:
    from checks.engine import evaluate

    evaluate(topic="incidents", reason="after a sync")
