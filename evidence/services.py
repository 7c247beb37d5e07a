"""services.csv: each connection's upstream services now, and whether their incidents count.

A snapshot, not a history: the services as the last sync saw them, with the admin's choice."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from integrations.models import ProviderService

SERVICES_HEADER = (
    "provider",
    "upstream_id",
    "name",
    "status",
    "incidents_count",
    "deleted_upstream",
    "last_changed_at",
    "upstream_url",
)


def service_rows() -> Iterator[Sequence[object]]:
    services = (
        ProviderService.objects.select_related("connection")
        # Only what is exported is loaded: the connection's credentials are never decrypted.
        .only(
            "upstream_id",
            "name",
            "status",
            "deleted_upstream",
            "synced_at",
            "upstream_url",
            "connection__provider",
            "connection__service_ids",
        )
        .order_by("connection__provider", "name", "upstream_id")
    )
    for service in services.iterator(chunk_size=2000):
        chosen = service.connection.service_ids
        yield (
            service.connection.provider,
            service.upstream_id,
            service.name,
            service.status,
            not chosen or service.upstream_id in chosen,
            service.deleted_upstream,
            service.synced_at,
            service.upstream_url,
        )
