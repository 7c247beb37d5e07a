"""The alerts' file in the evidence export: the alerts created in the period, as last synced,
those no longer found upstream marked (never left out: they are evidence too)."""

from __future__ import annotations

from collections.abc import Iterator

from alerts.models import Alert
from integrations.providers.registry import providers
from lib.evidence_files import EvidenceFile, Export, Row

ALERTS_HEADER = (
    "alert_id",
    "source",
    "upstream_id",
    "tiny_id",
    "message",
    "alias",
    "status",
    "acknowledged",
    "priority",
    "upstream_source",
    "owner",
    "tags",
    "integration",
    "count",
    "created_at",
    "updated_at",
    "acknowledged_by",
    "closed_at",
    "closed_by",
    "deleted_upstream",
    "deleted_upstream_at",
    "first_synced_at",
    "last_changed_at",
)


def alert_rows(export: Export) -> Iterator[Row]:
    period = export.period
    names = {slug: provider.name for slug, provider in providers().items()}
    alerts = (
        Alert.objects.filter(created_at__gte=period.since, created_at__lt=period.until)
        # The upstream item and the search column are large and not exported.
        .defer("raw", "search_text")
        .order_by("created_at", "id")
    )
    for alert in alerts.iterator(chunk_size=2000):
        yield (
            alert.pk,
            names.get(alert.provider, alert.provider),
            alert.upstream_id,
            alert.tiny_id,
            alert.message,
            alert.alias,
            alert.get_status_display(),
            alert.acknowledged,
            alert.priority,
            alert.upstream_source,
            alert.owner,
            ", ".join(str(tag) for tag in alert.tags),
            alert.integration_name,
            alert.count,
            alert.created_at,
            alert.updated_at,
            alert.acknowledged_by,
            alert.closed_at,
            alert.closed_by,
            alert.deleted_upstream,
            alert.deleted_upstream_at,
            alert.first_seen_at,
            alert.changed_at,
        )


FILES = [
    EvidenceFile(
        name="alerts.csv",
        description="Alerts created in the period, as last synced (OpsGenie, Jira Service "
        "Management): status, priority, who acknowledged and closed them, and those since "
        "deleted upstream marked.",
        header=ALERTS_HEADER,
        rows=alert_rows,
        order=75,
    ),
]
