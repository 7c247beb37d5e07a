from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The app's own audit log (PRODUCT 5): who changed which configuration, when, before →
    after, never a secret. django-auditlog writes it; this app says what is audited and shows it."""

    name = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        from audit.registration import register_audited_models

        register_audited_models()
