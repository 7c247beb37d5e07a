"""Store of the services stream: the connection's ProviderService rows.

The integrations app owns ProviderService (a service is configuration of the connected account,
used to pick whose incidents count), so this store lives here rather than in a domain app.
Rows are never deleted: a service missing from a complete listing is flagged
``deleted_upstream`` (a selection may still name it) and cleared again if it comes back;
``synced_at`` says when either happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.db.models import QuerySet
from django.utils import timezone

from integrations.models import Connection, ProviderService
from integrations.records import ServiceRecord
from integrations.sync.snapshot import LiveRows, store_listing
from integrations.sync.stores import StreamCounts
from integrations.sync.writes import page_transaction
from lib.search import fold

SYNCED_FIELDS = ("name", "description", "status", "upstream_url", "team_id", "raw")


class ServiceStore(LiveRows):
    def save(self, *, connection: Connection, records: Sequence[ServiceRecord]) -> StreamCounts:
        """Upsert one page in one short transaction; unchanged rows are not written.

        ``synced_at`` is when a sync last wrote the row (created, changed, or back from deleted)."""
        by_id = {record.upstream_id: record for record in records}
        counts = StreamCounts(fetched=len(records))
        now = timezone.now()
        with page_transaction():
            existing = {
                row.upstream_id: row
                for row in ProviderService.objects.filter(
                    connection=connection, upstream_id__in=list(by_id)
                )
            }
            to_create, to_update = [], []
            for upstream_id, record in by_id.items():
                values = {name: getattr(record, name) for name in SYNCED_FIELDS}
                values["search_text"] = fold(record.name)[:255]
                row = existing.get(upstream_id)
                if row is None:
                    to_create.append(
                        ProviderService(
                            connection=connection,
                            upstream_id=upstream_id,
                            synced_at=now,
                            first_seen_at=now,
                            **values,
                        )
                    )
                elif row.deleted_upstream or any(getattr(row, k) != v for k, v in values.items()):
                    for name, value in values.items():
                        setattr(row, name, value)
                    row.deleted_upstream, row.synced_at = False, now
                    to_update.append(row)
            # A refresh from the services page may race a sync of the same connection.
            ProviderService.objects.bulk_create(to_create, ignore_conflicts=True)
            ProviderService.objects.bulk_update(
                to_update, [*SYNCED_FIELDS, "search_text", "deleted_upstream", "synced_at"]
            )
        return counts.settle(seen=len(by_id), created=len(to_create), updated=len(to_update))

    def live(self, connection: Connection) -> QuerySet[ProviderService]:
        return ProviderService.objects.filter(connection=connection, deleted_upstream=False)

    def flag_missing(self, *, connection: Connection, listed: set[str]) -> int:
        """After a complete listing: flag the stored services it did not name."""
        missing = self.missing(connection, listed)
        if not missing:
            return 0
        return ProviderService.objects.filter(pk__in=missing).update(
            deleted_upstream=True, synced_at=timezone.now()
        )


SERVICES = ServiceStore()


def store_service_listing(
    *,
    connection: Connection,
    pages: Iterable[Sequence[ServiceRecord]],
    on_counts: Callable[[StreamCounts], None] | None = None,
) -> StreamCounts:
    """Refresh the services now (the service-selection page), outside a sync run."""
    return store_listing(SERVICES, connection=connection, pages=pages, on_counts=on_counts)
