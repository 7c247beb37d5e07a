"""Store of the accounts stream (a snapshot): a critical system's user accounts.

Rows are written only when they change (content hash); an account missing from a complete
listing is flagged removed with the time (the evidence that access was revoked) and cleared if
it comes back. A whole listing maps its new accounts by email as it writes them (one look at the
directory per listing, not per page); the sync's evaluator then calls access.mapping.rematch,
which maps any left (a page saved on its own) and follows the directory's changes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import cached_property

from django.db.models import QuerySet
from django.utils import timezone

from access.mapping import map_by_email, staff_by_email
from access.models import Account, AccountMapping, CriticalSystem
from integrations.models import Connection
from integrations.records import AccountRecord
from integrations.sync.snapshot import LiveRows
from integrations.sync.stores import StreamCounts
from integrations.sync.writes import insert_values, page_transaction, reserve_pks, update_rows

SYNCED_FIELDS = (
    "email",
    "name",
    "role",
    "teams",
    "invitation_pending",
    "blocked",
    "verified",
    "created_upstream_at",
    "upstream_url",
)


# A new row: these, then SYNCED_FIELDS in _values' order (removed_at stays NULL).
NEW_ROW_FIELDS = (
    "connection_id",
    "upstream_id",
    "content_hash",
    "first_seen_at",
    "changed_at",
    *SYNCED_FIELDS,
)
EMAIL = NEW_ROW_FIELDS.index("email")


def _values(record: AccountRecord) -> dict[str, object]:
    return {
        "email": record.email[:254],
        "name": record.name[:200],
        "role": record.role[:100],
        # A tuple: a page's few distinct team lists are each prepared once (writes.py).
        "teams": record.teams,
        "invitation_pending": record.invitation_pending,
        "blocked": record.blocked,
        "verified": record.verified,
        "created_upstream_at": record.created_at,
        "upstream_url": record.upstream_url[:500],
    }


def content_hash(record: AccountRecord) -> str:
    return hashlib.sha256(repr(record).encode()).hexdigest()


# What a page is compared with: upstream id -> (pk, content hash, removed at). The pk of a row
# written earlier in the same listing is not known (it was inserted as values): None.
Stored = dict[str, tuple[int | None, str, object]]


def _stored(connection: Connection, upstream_ids: Sequence[str] | None = None) -> Stored:
    rows = Account.objects.filter(connection=connection)
    if upstream_ids is not None:
        rows = rows.filter(upstream_id__in=upstream_ids)
    return {
        upstream_id: (pk, digest, removed_at)
        for pk, upstream_id, digest, removed_at in rows.values_list(
            "pk", "upstream_id", "content_hash", "removed_at"
        )
    }


class AccountStore(LiveRows):
    def save(self, *, connection: Connection, records: Sequence[AccountRecord]) -> StreamCounts:
        """One page on its own: compared with the stored rows it names."""
        ids = [record.upstream_id for record in records]
        with page_transaction():
            return _save(connection, records, _stored(connection, ids))

    def for_listing(self, *, connection: Connection) -> AccountListing:
        return AccountListing(connection)

    def live(self, connection: Connection) -> QuerySet[Account]:
        return Account.objects.filter(connection=connection, removed_at__isnull=True)

    def flag_missing(self, *, connection: Connection, listed: set[str]) -> int:
        missing = self.missing(connection, listed)
        if not missing:
            return 0
        now = timezone.now()
        return Account.objects.filter(pk__in=missing).update(removed_at=now, changed_at=now)


class AccountListing(AccountStore):
    """The pages of one whole listing: what the connection holds is read once, at its start,
    not once a page (make bench: 50 queries fewer for 5,000 accounts), and kept up to date with
    what each page writes. One sync at a time reads a connection's accounts, so nothing else
    writes them meanwhile."""

    def __init__(self, connection: Connection) -> None:
        self.stored = _stored(connection)

    @cached_property
    def directory(self) -> dict[str, int]:
        """The directory by email, to map the new accounts as they are written: read once, when
        a page first brings one (a listing with nothing new never reads it)."""
        return staff_by_email()

    def save(self, *, connection: Connection, records: Sequence[AccountRecord]) -> StreamCounts:
        with page_transaction():
            return _save(connection, records, self.stored, directory=lambda: self.directory)


def _save(
    connection: Connection,
    records: Sequence[AccountRecord],
    existing: Stored,
    *,
    directory: Callable[[], dict[str, int]] | None = None,
) -> StreamCounts:
    """Write one page's new and changed accounts; ``existing`` learns what was written. With
    ``directory`` (gives staff_by_email(), asked only for a page with new accounts), they are
    mapped by email as they are written; without, or where their keys cannot be given
    beforehand, rematch maps them after the sync."""
    by_id = {record.upstream_id: record for record in records}
    counts = StreamCounts(fetched=len(records))
    now = timezone.now()
    # Tuples, not instances: most pages of a sync change nothing, and a first read changes
    # only new rows, written as values (make bench, 5,000 accounts).
    new_rows, changed = [], {}
    unknown: dict[str, tuple[AccountRecord, str]] = {}
    for upstream_id, record in by_id.items():
        digest = content_hash(record)
        row = existing.get(upstream_id)
        if row is None:
            values = _values(record)
            new_rows.append(
                (connection.pk, upstream_id, digest, now, now)
                + tuple(values[name] for name in SYNCED_FIELDS)
            )
            existing[upstream_id] = (None, digest, None)
        elif row[1] != digest or row[2] is not None:
            if row[0] is None:  # written earlier in this listing, and changed since
                unknown[upstream_id] = (record, digest)
            else:
                changed[row[0]] = (record, digest)
            existing[upstream_id] = (row[0], digest, None)
    if unknown:
        for upstream_id, (pk, _digest, _removed) in _stored(connection, list(unknown)).items():
            changed[pk] = unknown[upstream_id]
            existing[upstream_id] = (pk, unknown[upstream_id][1], None)
    # The new accounts' keys and their mappings', in one query (make bench, PostgreSQL).
    keys = None
    if directory is not None and new_rows:
        keys = reserve_pks([Account, AccountMapping], len(new_rows))
    insert_values(Account, NEW_ROW_FIELDS, new_rows, pks=keys[0] if keys is not None else None)
    if keys is not None:  # reserved only where there is a directory to map them by
        accounts = list(zip(keys[0], (row[EMAIL] for row in new_rows), strict=True))
        map_by_email(accounts, directory(), pks=keys[1])  # type: ignore[arg-type]
    # Only the primary key and the written fields matter to update_rows.
    to_update = [
        Account(pk=pk, content_hash=digest, changed_at=now, removed_at=None, **_values(record))
        for pk, (record, digest) in changed.items()
    ]
    update_rows(Account, to_update, [*SYNCED_FIELDS, "content_hash", "changed_at", "removed_at"])
    return counts.settle(seen=len(by_id), created=len(new_rows), updated=len(to_update))


ACCOUNTS = AccountStore()


def reads_accounts(connection: Connection) -> bool:
    """The accounts stream is read only for a connection an admin made a critical system."""
    return CriticalSystem.objects.filter(connection=connection).exists()
