from django.apps import AppConfig


class LibraryConfig(AppConfig):
    """Upstream configuration objects (teams, escalations, schedules, on-calls, heartbeats,
    integrations), snapshot-synced into one generic table and browsed in the Data library."""

    name = "library"
    verbose_name = "Data library"

    def ready(self) -> None:
        from integrations.sync.stores import register_store
        from library.kinds import KINDS
        from library.store import LibraryStore

        for kind in KINDS:
            register_store(kind, LibraryStore(kind))
