"""Store step of the sync for the alerts stream: bulk upserts keyed by (connection, upstream
id), one short transaction per page, unchanged alerts not written at all."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.utils import timezone

from alerts.models import Alert
from alerts.selectors import details_providers
from integrations.models import Connection
from integrations.records import AlertRecord, AlertStatus
from integrations.sync import writes
from integrations.sync.page_lookup import SeenIds, among_upstream_ids
from integrations.sync.stores import StreamCounts

SYNCED_FIELDS = (
    "tiny_id",
    "alias",
    "message",
    "status",
    "acknowledged",
    "is_seen",
    "snoozed",
    "count",
    "priority",
    "owner",
    "integration_name",
    "integration_type",
    "created_at",
    "updated_at",
    "last_occurred_at",
    "acknowledged_by",
    "closed_by",
    "ack_time_ms",
    "close_time_ms",
)
UPDATED_FIELDS = (
    *SYNCED_FIELDS,
    "upstream_source",
    "tags",
    "closed_at",
    "raw",
    "search_text",
    "content_hash",
    "changed_at",
    "deleted_upstream",
    "deleted_upstream_at",
    "details_wanted_at",
)


def content_hash(record: AlertRecord) -> str:
    # The upstream item holds every field the row keeps.
    return hashlib.sha256(record.raw_json.encode()).hexdigest()


def _apply(row: Alert, record: AlertRecord) -> None:
    for name in SYNCED_FIELDS:
        setattr(row, name, getattr(record, name))
    row.status = record.status.value
    row.upstream_source = record.source
    row.tags = list(record.tags)
    row.raw = json.loads(record.raw_json)
    row.closed_at = _closed_at(record)


def _closed_at(record: AlertRecord) -> datetime | None:
    """Creation plus report.closeTime; None while open, or when the duration is unusable."""
    if record.status != AlertStatus.CLOSED or record.close_time_ms is None:
        return None
    try:
        return record.created_at + timedelta(milliseconds=record.close_time_ms)
    except OverflowError:  # past year 9999: not a time upstream meant
        return None


class AlertStore:
    def save(
        self,
        *,
        connection: Connection,
        records: Sequence[AlertRecord],
        seen: SeenIds | None = None,
    ) -> StreamCounts:
        # The same alert can arrive twice in one batch when upstream offsets shift.
        by_id = {record.upstream_id: record for record in records}
        counts = StreamCounts(fetched=len(records))
        now = timezone.now()
        # Its logs, notes and recipients are to be read, where the provider reads them.
        wanted = now if connection.provider in details_providers() else None
        with writes.page_transaction():
            existing = {
                row.upstream_id: row
                for row in among_upstream_ids(
                    Alert.objects.all(),
                    connection_id=connection.pk,
                    upstream_ids=list(by_id),
                    seen=seen,
                ).only(
                    "id",
                    "upstream_id",
                    "content_hash",
                    "deleted_upstream",
                    "first_seen_at",
                    "details_wanted_at",
                )
            }
            to_create, to_update = [], []
            for upstream_id, record in by_id.items():
                digest = content_hash(record)
                row = existing.get(upstream_id)
                if row is None:
                    row = Alert(
                        connection=connection,
                        provider=connection.provider,
                        upstream_id=upstream_id,
                        content_hash=digest,
                        first_seen_at=now,
                        changed_at=now,
                        details_wanted_at=wanted,
                    )
                    _apply(row, record)
                    to_create.append(row)
                elif row.content_hash != digest or row.deleted_upstream:
                    _apply(row, record)
                    row.content_hash = digest
                    row.changed_at = now
                    # Changed: its logs, notes and recipients are read again (the earliest
                    # wait of one still waiting is kept, so it keeps its place in the queue).
                    row.details_wanted_at = row.details_wanted_at or wanted
                    # Seen again upstream: it was not deleted after all.
                    row.deleted_upstream, row.deleted_upstream_at = False, None
                    to_update.append(row)
            writes.insert_rows(Alert, to_create)
            writes.update_rows(Alert, to_update, UPDATED_FIELDS)
        return counts.settle(seen=len(by_id), created=len(to_create), updated=len(to_update))

    def newest_created_at(self, *, connection: Connection) -> datetime | None:
        return (
            Alert.objects.filter(connection=connection)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )

    def unfinished_ids(self, *, connection: Connection) -> list[str]:
        return list(
            Alert.objects.filter(
                connection=connection, status=AlertStatus.OPEN, deleted_upstream=False
            ).values_list("upstream_id", flat=True)
        )

    def ids_created_between(
        self, *, connection: Connection, after: datetime | None, until: datetime | None
    ) -> list[str]:
        rows = Alert.objects.filter(connection=connection, deleted_upstream=False)
        if after is not None:
            rows = rows.filter(created_at__gt=after)
        if until is not None:
            rows = rows.filter(created_at__lte=until)
        return list(rows.values_list("upstream_id", flat=True))

    def mark_deleted(self, *, connection: Connection, upstream_ids: Sequence[str]) -> int:
        rows = Alert.objects.filter(
            connection=connection, upstream_id__in=list(upstream_ids), deleted_upstream=False
        )
        return rows.update(deleted_upstream=True, deleted_upstream_at=timezone.now())
