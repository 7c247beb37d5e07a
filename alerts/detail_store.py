"""Store step of the alert details stream (integrations.sync.details): an alert's logs, notes
and recipients, keyed by upstream's own keys (a log's or note's offset, a recipient's user id),
so reading them again writes only what changed; an item no longer listed is flagged, never
deleted. Which alerts wait for their details is the alert's ``details_wanted_at``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from alerts.models import Alert, AlertLog, AlertNote, AlertRecipient
from integrations.alert_detail_records import AlertDetailsRecord
from integrations.models import Connection
from integrations.sync import writes
from integrations.sync.details import WaitingQueue
from integrations.sync.stores import StreamCounts


@dataclass(frozen=True)
class Kind:
    model: type[Model]
    attribute: str  # the record's tuple of these items
    key: str  # the field upstream's key is kept in
    fields: tuple[str, ...]  # what a re-read compares and rewrites


KINDS = (
    Kind(AlertLog, "logs", "offset", ("log", "type", "owner", "created_at")),
    Kind(AlertNote, "notes", "offset", ("note", "owner", "created_at")),
    Kind(
        AlertRecipient,
        "recipients",
        "user_id",
        ("username", "state", "method", "aware", "created_at", "updated_at"),
    ),
)


def waiting(connection: Connection | int) -> QuerySet[Alert]:
    """The alerts whose details wait to be read (one gone upstream has none left to read)."""
    return Alert.objects.filter(
        connection=connection, details_wanted_at__isnull=False, deleted_upstream=False
    )


class AlertDetailsStore(WaitingQueue):
    marker = "details_wanted_at"

    def waiting(self, connection: Connection | int) -> QuerySet[Alert]:
        return waiting(connection)

    def save(
        self, *, connection: Connection, records: Sequence[AlertDetailsRecord]
    ) -> StreamCounts:
        total = StreamCounts()
        for record in records:
            total.add(self._save_one(connection, record))
        return total

    def _save_one(self, connection: Connection, record: AlertDetailsRecord) -> StreamCounts:
        now = timezone.now()
        counts = StreamCounts()
        with transaction.atomic():
            alert = (
                Alert.objects.filter(connection=connection, upstream_id=record.upstream_id)
                .only("id")
                .first()
            )
            if alert is None:
                return counts
            done: dict[str, Any] = {"details_wanted_at": None}
            if record.found:
                for kind in KINDS:
                    counts.add(_save_kind(kind, alert, getattr(record, kind.attribute), now))
                done["details_read_at"] = now
            Alert.objects.filter(pk=alert.pk).update(**done)
        return counts


def _save_kind(kind: Kind, alert: Alert, items: Sequence[Any], now: datetime) -> StreamCounts:
    by_key = {getattr(item, kind.key): item for item in items}
    existing = {getattr(row, kind.key): row for row in kind.model.objects.filter(alert=alert)}
    to_create, to_update = [], []
    for key, item in by_key.items():
        values = {name: getattr(item, name) for name in kind.fields}
        row = existing.get(key)
        if row is None:
            values[kind.key] = key
            to_create.append(kind.model(alert=alert, first_seen_at=now, **values))
        elif row.removed_upstream_at is not None or any(
            getattr(row, name) != value for name, value in values.items()
        ):
            for name, value in values.items():
                setattr(row, name, value)
            row.removed_upstream_at = None  # listed again: it was not removed after all
            to_update.append(row)
    gone = [
        row.pk for key, row in existing.items() if key not in by_key and not row.removed_upstream_at
    ]
    writes.insert_rows(kind.model, to_create)
    writes.update_rows(kind.model, to_update, (*kind.fields, "removed_upstream_at"))
    if gone:
        kind.model.objects.filter(pk__in=gone).update(removed_upstream_at=now)
    counts = StreamCounts(fetched=len(items), deleted=len(gone))
    return counts.settle(seen=len(by_key), created=len(to_create), updated=len(to_update))
