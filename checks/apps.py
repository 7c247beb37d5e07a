from django.apps import AppConfig


class ChecksConfig(AppConfig):
    """The check engine (PRODUCT 5): apps register checks; this app evaluates them and keeps
    their status history, failing items and special cases."""

    name = "checks"
    verbose_name = "Checks"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from checks.tasks import ensure_periodic_evaluation

        post_migrate.connect(ensure_periodic_evaluation, sender=self)
