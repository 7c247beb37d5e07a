"""The store of every configuration kind's snapshot stream (one instance per kind, registered
under the stream's name): upserts ``LibraryObject`` rows from canonical ``ConfigRecord``s (as the
provider read them), rewriting a
row and its relations only when the item's hash changed, and flags what a complete listing no
longer names as removed upstream (with the time), never deleting it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from integrations.config_records import ConfigRecord
from integrations.models import Connection
from integrations.sync.snapshot import LiveRows
from integrations.sync.stores import StreamCounts
from lib.search import fold
from library.kinds import KINDS, Kind
from library.models import LibraryObject, LibraryRelation

UPDATED_FIELDS = (
    "name",
    "team_upstream_id",
    "team",
    "state",
    "search_text",
    "facts",
    "raw",
    "content_hash",
    "changed_at",
    "removed_upstream",
    "removed_at",
)


def content_hash(raw: dict) -> str:  # type: ignore[type-arg]
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class LibraryStore(LiveRows):
    def __init__(self, kind: str) -> None:
        self.kind = kind

    @property
    def descriptor(self) -> Kind:
        return KINDS[self.kind]

    def save(self, *, connection: Connection, records: Sequence[ConfigRecord]) -> StreamCounts:
        by_id = {record.upstream_id: record for record in records}
        counts = StreamCounts(fetched=len(records))
        now = timezone.now()
        with transaction.atomic():
            existing = {
                row.upstream_id: row
                for row in LibraryObject.objects.filter(
                    connection=connection, kind=self.kind, upstream_id__in=list(by_id)
                ).only("id", "upstream_id", "content_hash", "removed_upstream", "first_seen_at")
            }
            to_create, to_update, relinked = [], [], []
            for upstream_id, record in by_id.items():
                digest = content_hash(record.raw)
                row = existing.get(upstream_id)
                if row is None:
                    row = LibraryObject(
                        connection=connection,
                        provider=connection.provider,
                        kind=self.kind,
                        upstream_id=upstream_id,
                        first_seen_at=now,
                    )
                    to_create.append(row)
                elif row.content_hash == digest and not row.removed_upstream:
                    continue
                else:
                    to_update.append(row)
                self._apply(row, record, digest, now)
                relinked.append((row, record))
            self._resolve_teams(connection, [row for row, _record in relinked])
            LibraryObject.objects.bulk_create(to_create)
            LibraryObject.objects.bulk_update(to_update, UPDATED_FIELDS)
            self._relink(relinked)
        return counts.settle(seen=len(by_id), created=len(to_create), updated=len(to_update))

    def _apply(self, row: LibraryObject, record: ConfigRecord, digest: str, now) -> None:  # type: ignore[no-untyped-def]
        row.name = (record.name or record.upstream_id)[:512]
        row.team_upstream_id, row.team = record.team_id[:255], record.team[:255]
        row.state = record.state[:40]
        row.search_text = fold(row.name)[:512]
        row.facts, row.raw = record.facts, record.raw
        row.content_hash, row.changed_at = digest, now
        row.removed_upstream, row.removed_at = False, None

    def _resolve_teams(self, connection: Connection, rows: list[LibraryObject]) -> None:
        """An item naming its team by id only (an integration's teamId) gets the team's name
        from the synced teams (read first in a run): one query per page."""
        wanted = {row.team_upstream_id for row in rows if row.team_upstream_id and not row.team}
        if not wanted:
            return
        names = dict(
            LibraryObject.objects.filter(
                connection=connection, kind=self.descriptor.team_kind, upstream_id__in=wanted
            ).values_list("upstream_id", "name")
        )
        for row in rows:
            if not row.team:
                row.team = names.get(row.team_upstream_id, row.team_upstream_id)[:255]

    def _relink(self, rows: list[tuple[LibraryObject, ConfigRecord]]) -> None:
        if not rows:
            return
        LibraryRelation.objects.filter(source__in=[row for row, _record in rows]).delete()
        LibraryRelation.objects.bulk_create(
            LibraryRelation(
                source=row,
                relation=link.relation,
                target_kind=link.target_kind,
                target_upstream_id=link.target_id[:255],
                target_name=link.target_name[:512],
                detail=link.detail[:255],
            )
            for row, record in rows
            for link in record.links
        )

    def live(self, connection: Connection) -> QuerySet[LibraryObject]:
        return LibraryObject.objects.filter(
            connection=connection, kind=self.kind, removed_upstream=False
        )

    def flag_missing(self, *, connection: Connection, listed: set[str]) -> int:
        missing = self.missing(connection, listed)
        if not missing:
            return 0
        return LibraryObject.objects.filter(pk__in=missing).update(
            removed_upstream=True, removed_at=timezone.now()
        )
