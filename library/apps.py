from django.apps import AppConfig


class LibraryConfig(AppConfig):
    """Upstream configuration objects (teams, escalations, schedules, on-calls, heartbeats,
    integrations), snapshot-synced into one generic table and browsed in the Data library; and
    the readiness checks judged on them."""

    name = "library"
    verbose_name = "Data library"

    def ready(self) -> None:
        from integrations.services import connection_disconnected
        from integrations.sync.stores import register_evaluator, register_store
        from library.kinds import KINDS, register_kinds
        from library.readiness_checks import (
            evaluate_after_disconnect,
            evaluate_after_sync,
            register_readiness_checks,
        )
        from library.store import LibraryStore

        register_kinds()
        for name, kind in KINDS.items():
            # A services kind shows the "services" stream's rows (integrations' own store).
            if not kind.holds_services:
                register_store(name, LibraryStore(name))
        register_readiness_checks()
        register_evaluator(evaluate_after_sync)
        connection_disconnected.connect(evaluate_after_disconnect, dispatch_uid="library")
