from django.apps import AppConfig


class ChecksConfig(AppConfig):
    """The check engine (PRODUCT 5): apps register checks in lib.checks; this app evaluates them
    and keeps their status history, failing items and special cases."""

    name = "checks"
    verbose_name = "Checks"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from checks.results import Engine
        from checks.tasks import ensure_periodic_evaluation
        from lib.checks import plug_engine

        plug_engine(Engine())
        post_migrate.connect(ensure_periodic_evaluation, sender=self)
