"""The integrations' files in the evidence export: every connection and who connected and
disconnected it, the sync runs of the period, and each connection's upstream services now.
Nothing here reads ``Connection.credentials``: it is never even loaded."""

from __future__ import annotations

from collections.abc import Iterator

from integrations.models import Connection, ProviderService, SyncRun
from integrations.providers.registry import providers
from lib.evidence_files import EvidenceFile, Export, Row, username

# --- connections.csv: a snapshot of every integration, connected or not -------------------

CONNECTIONS_HEADER = (
    "provider",
    "name",
    "status",
    "region",
    "sign_in_method",
    "account",
    "connected_by",
    "connected_at",
    "disconnected_by",
    "disconnected_at",
    "sync_every_minutes",
    "chosen_services",
    "report_email",
    "connection_id",
    # The move off a provider that ends (integrations/moves.py): to which connection, from when.
    "moved_to_connection_id",
    "moved_to_provider",
    "stops_syncing_on",
    "stopped_answering_at",
)
CONNECTION_FIELDS = (
    "provider",
    "status",
    "region",
    "auth_method",
    "account_name",
    "connected_at",
    "disconnected_at",
    "sync_interval_minutes",
    "service_ids",
    "services_confirmed_at",
    "report_email",
    "connected_by__username",
    "disconnected_by__username",
    "moved_to__provider",
    "moved_on",
    "stopped_answering_at",
)
SIGN_IN_METHODS = {"api_key": "API key", "oauth": "OAuth"}


def connection_rows(export: Export) -> Iterator[Row]:
    names = {slug: provider.name for slug, provider in providers().items()}
    connections = (
        Connection.objects.select_related("connected_by", "disconnected_by", "moved_to")
        # Only what is exported is loaded: the encrypted credentials are never decrypted.
        .only(*CONNECTION_FIELDS)
        .order_by("provider")
    )
    for connection in connections:
        yield (
            connection.provider,
            names.get(connection.provider, connection.provider),
            connection.status_label,
            connection.region,
            SIGN_IN_METHODS.get(connection.auth_method, connection.auth_method),
            connection.account_name,
            username(connection.connected_by),
            connection.connected_at,
            username(connection.disconnected_by),
            connection.disconnected_at,
            connection.sync_interval_minutes,
            connection.service_ids or "all",
            connection.report_email,
            connection.pk,
            connection.moved_to_id or "",
            connection.moved_to.provider if connection.moved_to else "",
            connection.moved_on or "",
            connection.stopped_answering_at or "",
        )


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
        name="connections.csv",
        description="Every integration, connected or not: status, region, sign-in method, who "
        "connected it and when, who disconnected it and when, sync frequency, chosen services, and "
        "its move to a successor (to which connection, from which day).",
        header=CONNECTIONS_HEADER,
        rows=connection_rows,
        order=100,
    ),
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
