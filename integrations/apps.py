from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from integrations.sync.services_store import SERVICES
        from integrations.sync.stores import register_store

        # Services are configuration of the connected account, owned by this app.
        register_store("services", SERVICES)
