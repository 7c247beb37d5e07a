"""Store step of the sync for the incidents stream: bulk upserts keyed by (connection, id)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.utils import timezone

from incidents.checks import TOPIC
from incidents.data_loss import find_mention
from incidents.events import new_incident_event, resolved_incident_event
from incidents.models import Incident, IncidentChange, ResolvedAtSource
from incidents.moves import link_page
from incidents.scope import is_out_of_scope
from integrations.models import Connection, SyncOutcome
from integrations.records import IncidentRecord, IncidentStatus
from integrations.sync import writes
from integrations.sync.page_lookup import SeenIds, among_upstream_ids, pks_by_upstream_id
from integrations.sync.stores import StreamCounts
from lib.checks import engine
from lib.events import emit_all

# An incident created upstream longer ago than this, stored for the first time, is history
# catching up (a reconnect, a service newly chosen), not news for the on-call team.
NEW_INCIDENT_WITHIN = timedelta(hours=24)

SYNCED_FIELDS = (
    "number",
    "title",
    "description",
    "status",
    "raw_status",
    "priority",
    "raw_priority",
    "services",
    "service_ids",
    "created_at",
    "updated_at",
    "resolved_at",
    "impact_start",
    "impact_end",
    "upstream_url",
    "external_refs",
)


def content_hash(record: IncidentRecord) -> str:
    # repr of the frozen record: every field, in a fixed order; far cheaper than asdict + json.
    return hashlib.sha256(repr(record).encode()).hexdigest()


def _values(record: IncidentRecord) -> dict[str, object]:
    """Its synced fields, then the two that follow from them (the order of NEW_FIELDS)."""
    values = {name: getattr(record, name) for name in SYNCED_FIELDS}
    values["status"] = record.status.value
    values["priority"] = record.priority.value
    values["services"] = list(record.services)
    values["service_ids"] = list(record.service_ids)
    values["external_refs"] = dict(record.external_refs)
    values["data_loss_mention"] = find_mention(record.title, record.description)
    values["resolved_at_source"] = (
        ResolvedAtSource.UPSTREAM if record.resolved_at is not None else ResolvedAtSource.NONE
    )
    return values


def _keep_resolution_seen(row: Incident, was_open: bool, previous: tuple, now: datetime) -> None:
    """A resolved incident without the source's own resolution time: if a sync saw it open, the
    first sync that sees it resolved dates it (at the latest then); that date is kept after.
    Seen resolved from the start, its resolution time stays unknown (the SLA check lists it)."""
    if row.status == IncidentStatus.OPEN or row.resolved_at is not None:
        return
    if was_open:
        row.resolved_at, row.resolved_at_source = now, ResolvedAtSource.SYNC
    elif previous[1] == ResolvedAtSource.SYNC:
        row.resolved_at, row.resolved_at_source = previous


# A new incident's columns, in the order of the store's rows: those of the connection and the
# sync, then its synced values (_values); every other field takes its default.
NEW_FIELDS = (
    "connection_id",
    "source",
    "upstream_id",
    "content_hash",
    "changed_at",
    "first_synced_at",
    "entries_wanted_at",
    "out_of_scope",
    "announced",
    "search_text",
    *SYNCED_FIELDS,
    "data_loss_mention",
    "resolved_at_source",
)
ANNOUNCED, UPSTREAM_ID = NEW_FIELDS.index("announced"), NEW_FIELDS.index("upstream_id")
_search_text = Incident._meta.get_field("search_text")


def _new_row(
    connection: Connection, record: IncidentRecord, digest: str, now: datetime, out_of_scope: bool
) -> list[object]:
    """The values of a new incident, in NEW_FIELDS order: written without a model instance
    (building 20,000 of them was a sixth of a first sync, make bench)."""
    values = _values(record)
    # As the record's tuples: a page's few distinct service lists are each written once.
    values["services"], values["service_ids"] = record.services, record.service_ids
    return [
        connection.pk,
        connection.provider,
        record.upstream_id,
        digest,
        now,
        now,
        now,  # its notes, log and timeline: to be read
        out_of_scope,
        False,
        _search_text.folded_values(values),
        *values.values(),
    ]


def insert_rows(connection: Connection, rows: list[list[object]]) -> dict[str, int]:
    """INSERT new incidents (NEW_FIELDS) with one executemany (one COPY on PostgreSQL); their
    primary keys by upstream id."""
    keys = writes.reserve_pks([Incident], len(rows))
    writes.insert_values(Incident, NEW_FIELDS, rows, pks=keys[0] if keys is not None else None)
    if keys is None:  # not given beforehand (SQLite without the write lock): read back
        return _created_pks(connection, rows)
    return {row[UPSTREAM_ID]: pk for row, pk in zip(rows, keys[0], strict=True)}  # type: ignore[misc]


UPDATED_FIELDS = (
    *SYNCED_FIELDS,
    # Folded from the title and description by its pre_save, as on INSERT and COPY.
    "search_text",
    "content_hash",
    "changed_at",
    "deleted_upstream",
    "deleted_upstream_at",
    "out_of_scope",
    "data_loss_mention",
    "resolved_at_source",
    "entries_wanted_at",
)


def update_rows(rows: list[Incident]) -> None:
    """UPDATE changed incidents with one executemany, by primary key."""
    writes.update_rows(Incident, rows, UPDATED_FIELDS)


# Fields whose changes are kept in an incident's history (the rest follow from them).
TRACKED_FIELDS = (
    "title",
    "status",
    "raw_status",
    "priority",
    "raw_priority",
    "services",
    "resolved_at",
    "impact_start",
    "impact_end",
    "description",
)


def record_changes(rows: list[Incident], now) -> None:  # type: ignore[no-untyped-def]
    """Write one IncidentChange per tracked field that differs from the stored row.

    Only rows whose content hash changed get here, so their old values are read in one query
    and a sync that changed nothing reads and writes nothing more."""
    if not rows:
        return
    before = {
        values["pk"]: values
        for values in Incident.objects.filter(pk__in=[row.pk for row in rows]).values(
            "pk", "deleted_upstream", *TRACKED_FIELDS
        )
    }
    changes = []
    for row in rows:
        old = before[row.pk]
        if old["deleted_upstream"]:
            changes.append(
                IncidentChange(
                    incident_id=row.pk, at=now, field="deleted upstream", before="yes", after="no"
                )
            )
        for name in TRACKED_FIELDS:
            if old[name] != getattr(row, name):
                changes.append(
                    IncidentChange(
                        incident_id=row.pk,
                        at=now,
                        field=name,
                        before=_text(old[name]),
                        after=_text(getattr(row, name)),
                    )
                )
    IncidentChange.objects.bulk_create(changes, batch_size=1000)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[union-attr]
    return str(value)[:2000]


def _is_news(record: IncidentRecord, out_of_scope: bool, recent: datetime) -> bool:
    """Worth telling the on-call team: open, of a chosen service, created lately."""
    return record.status == IncidentStatus.OPEN and not out_of_scope and record.created_at >= recent


def _first_sync(connection: Connection) -> bool:
    """No sync of this connection has finished reading its incidents yet (a failed first scan
    resumed by the next run is still the first). Asked only of a page holding news."""
    done = (SyncOutcome.SUCCEEDED, SyncOutcome.PARTIAL)
    return not connection.sync_runs.filter(outcome__in=done).exists()


def _created_pks(connection: Connection, created: list[list[object]]) -> dict[str, int]:
    """upstream id → pk of the incidents just inserted, read back in one query (the bulk insert
    does not return them)."""
    return pks_by_upstream_id(
        Incident,
        connection_id=connection.pk,
        upstream_ids=[row[UPSTREAM_ID] for row in created],  # type: ignore[misc]
    )


def _announce(
    connection: Connection, news: list[list[object]], ended: list[Incident], pks: dict[str, int]
) -> None:
    """Tell the notification channels, in the page's transaction: each new incident, then each
    announced one now resolved or closed (the close of the same alias)."""
    events = []
    for values in news:
        row = Incident(**dict(zip(NEW_FIELDS, values, strict=True)))
        row.pk = pks[row.upstream_id]
        events.append(new_incident_event(row))
    for row in ended:
        row.source = connection.provider  # not read back by the page's query
        events.append(resolved_incident_event(row))
    emit_all(events)


class IncidentStore:
    def save(
        self,
        *,
        connection: Connection,
        records: Sequence[IncidentRecord],
        seen: SeenIds | None = None,
    ) -> StreamCounts:
        # The same incident can arrive twice in one batch when upstream offsets shift.
        by_id = {record.upstream_id: record for record in records}
        counts = StreamCounts(fetched=len(records))
        now = timezone.now()
        with writes.page_transaction():
            held = among_upstream_ids(
                Incident.objects.all(),
                connection_id=connection.pk,
                upstream_ids=list(by_id),
                seen=seen,
            )
            existing = {
                row.upstream_id: row
                for row in held.only(
                    "id",
                    "upstream_id",
                    "content_hash",
                    "deleted_upstream",
                    "status",
                    "resolved_at",
                    "resolved_at_source",
                    "announced",
                    "notes_mention",
                    "entries_wanted_at",
                )
            }
            to_create: list[list[object]] = []
            to_update: list[Incident] = []
            # New open incidents of the chosen services, created lately; resolved announced ones.
            news: list[list[object]] = []
            ended: list[Incident] = []
            recent = now - NEW_INCIDENT_WITHIN
            selected = set(connection.service_ids)
            for upstream_id, record in by_id.items():
                digest = content_hash(record)
                row = existing.get(upstream_id)
                if row is None:
                    out_of_scope = is_out_of_scope(record.service_ids, selected)
                    new = _new_row(connection, record, digest, now, out_of_scope)
                    to_create.append(new)
                    if _is_news(record, out_of_scope, recent):
                        news.append(new)
                elif row.content_hash != digest or row.deleted_upstream:
                    was_open = row.status == IncidentStatus.OPEN
                    previous = (row.resolved_at, row.resolved_at_source)
                    for name, value in _values(record).items():
                        setattr(row, name, value)
                    # A mention its notes made stays, whatever the title and description say now.
                    row.data_loss_mention = row.data_loss_mention or row.notes_mention
                    row.entries_wanted_at = row.entries_wanted_at or now
                    _keep_resolution_seen(row, was_open, previous, now)
                    row.content_hash = digest
                    row.changed_at = now
                    row.out_of_scope = is_out_of_scope(record.service_ids, selected)
                    # Seen again upstream: it was not deleted after all.
                    row.deleted_upstream, row.deleted_upstream_at = False, None
                    to_update.append(row)
                    if was_open and row.status != IncidentStatus.OPEN and row.announced:
                        ended.append(row)
            if news and _first_sync(connection):
                news = []  # the backfill: all history, none of it news
            for new in news:
                new[ANNOUNCED] = True
            created = insert_rows(connection, to_create)
            record_changes(to_update, now)
            update_rows(to_update)
            written = [*created.values(), *(row.pk for row in to_update)]
            # The incident checks judge again what this page wrote (lib.checks.Incremental).
            engine().changed(topic=TOPIC, item_ids=written)
            if connection.moved_to_id is not None or connection.moved_from.exists():
                # A side of a move: what both sides record counts once (incidents/moves.py).
                link_page(connection=connection, incident_ids=written)
            _announce(connection, news, ended, created)
        return counts.settle(seen=len(by_id), created=len(to_create), updated=len(to_update))

    def newest_created_at(self, *, connection: Connection) -> datetime | None:
        newest = (
            Incident.objects.filter(connection=connection)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        return newest

    def unfinished_ids(self, *, connection: Connection) -> list[str]:
        return list(
            Incident.objects.filter(
                connection=connection,
                status=IncidentStatus.OPEN,
                deleted_upstream=False,
                out_of_scope=False,
            ).values_list("upstream_id", flat=True)
        )

    def ids_created_between(
        self, *, connection: Connection, after: datetime | None, until: datetime | None
    ) -> list[str]:
        # Incidents of services no longer chosen are not read any more, so never "missing".
        rows = Incident.objects.filter(
            connection=connection, deleted_upstream=False, out_of_scope=False
        )
        if after is not None:
            rows = rows.filter(created_at__gt=after)
        if until is not None:
            rows = rows.filter(created_at__lte=until)
        return list(rows.values_list("upstream_id", flat=True))

    def mark_deleted(self, *, connection: Connection, upstream_ids: Sequence[str]) -> int:
        now = timezone.now()
        rows = Incident.objects.filter(
            connection=connection, upstream_id__in=list(upstream_ids), deleted_upstream=False
        )
        with writes.page_transaction():
            pks = list(rows.values_list("pk", flat=True))
            IncidentChange.objects.bulk_create(
                IncidentChange(
                    incident_id=pk, at=now, field="deleted upstream", before="no", after="yes"
                )
                for pk in pks
            )
            engine().changed(topic=TOPIC, item_ids=pks)
            return rows.update(deleted_upstream=True, deleted_upstream_at=now)
