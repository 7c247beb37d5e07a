from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    """The evidence export (PRODUCT 8): ZIPs built by the worker, kept for a while, downloaded
    by auditors and admins."""

    name = "evidence"
    verbose_name = "Evidence"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from evidence.tasks import ensure_cleanup_schedule

        post_migrate.connect(ensure_cleanup_schedule, sender=self)
