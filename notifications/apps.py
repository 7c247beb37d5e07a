from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save

        from integrations.moves import connection_moved
        from lib.events import event_happened
        from notifications.end_of_life import evaluate_end_of_life, register_end_of_life_check
        from notifications.receivers import on_event
        from notifications.tasks import ensure_dispatch_schedule

        # Not weak: the receiver is a module function, but say so (a signal that silently
        # stops delivering would lose every alert).
        event_happened.connect(on_event, weak=False, dispatch_uid="notifications.record_event")
        post_migrate.connect(ensure_dispatch_schedule, sender=self)
        register_end_of_life_check()
        # What the end-of-life check reads: a move set, a channel added, edited (its endpoint,
        # enabled) or deleted. Deliveries write the channel's error fields with update():
        # they do not come here.
        connection_moved.connect(evaluate_end_of_life, dispatch_uid="end_of_life")
        post_save.connect(evaluate_end_of_life, sender="notifications.Channel", dispatch_uid="eol")
        post_delete.connect(
            evaluate_end_of_life, sender="notifications.Channel", dispatch_uid="eol"
        )
