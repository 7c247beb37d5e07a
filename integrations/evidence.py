"""The integrations' files in the evidence export: the sync runs of the period, and each
connection's upstream services now. Nothing here reads ``Connection.credentials``: the only
connection fields exported are its provider, region and chosen services."""

from __future__ import annotations

from collections.abc import Iterator

from integrations.models import ProviderService, SyncRun
from lib.evidence_files import EvidenceFile, Export, Row

# --- sync_runs.csv --------------------------------------------------------------------------

SYNC_RUNS_HEADER = (
    "sync_run_id",
    "provider",
    "region",
    "trigger",
    "kind",
    "started_at",
    "finished_at",
    "duration_seconds",
    "incidents_fetched",
    "incidents_created",
    "incidents_updated",
    "incidents_unchanged",
    "incidents_marked_deleted",
    "all_counts",
    "http_calls",
    "retries",
    "outcome",
    "error",
)


def sync_run_rows(export: Export) -> Iterator[Row]:
    period = export.period
    runs = (
        SyncRun.objects.filter(started_at__gte=period.since, started_at__lt=period.until)
        # Only what is exported is loaded: the encrypted credentials are never even decrypted.
        .select_related("connection")
        .only(
            *(f.name for f in SyncRun._meta.concrete_fields if f.name != "connection"),
            "connection__provider",
            "connection__region",
        )
        .order_by("started_at", "id")
    )
    for run in runs.iterator(chunk_size=2000):
        counts = run.counts.get("incidents", {}) if isinstance(run.counts, dict) else {}
        yield (
            run.pk,
            run.connection.provider,
            run.connection.region,
            run.get_trigger_display(),
            run.get_kind_display(),
            run.started_at,
            run.finished_at,
            run.duration_seconds,
            counts.get("fetched", 0),
            counts.get("created", 0),
            counts.get("updated", 0),
            counts.get("unchanged", 0),
            counts.get("deleted", 0),
            run.counts,
            run.http_calls,
            run.retries,
            run.get_outcome_display(),
            run.error,
        )


# --- services.csv: a snapshot, not a history: the services as the last sync saw them -------

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


def service_rows(export: Export) -> Iterator[Row]:
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


FILES = [
    EvidenceFile(
        name="sync_runs.csv",
        description="Syncs started in the period: trigger, kind, duration, counts, HTTP calls, "
        "retries, outcome and error.",
        header=SYNC_RUNS_HEADER,
        rows=sync_run_rows,
        order=80,
    ),
    EvidenceFile(
        name="services.csv",
        description="Each connection's upstream services as the last sync saw them, and "
        "whether their incidents count.",
        header=SERVICES_HEADER,
        rows=service_rows,
        order=90,
    ),
]
