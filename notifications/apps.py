from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from lib.events import event_happened
        from notifications.receivers import on_event
        from notifications.tasks import ensure_dispatch_schedule

        # Not weak: the receiver is a module function, but say so (a signal that silently
        # stops delivering would lose every alert).
        event_happened.connect(on_event, weak=False, dispatch_uid="notifications.record_event")
        post_migrate.connect(ensure_dispatch_schedule, sender=self)
