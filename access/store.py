"""Store of the accounts stream (a snapshot): a critical system's user accounts.

Rows are written only when they change (content hash); an account missing from a complete
listing is flagged removed with the time (the evidence that access was revoked) and cleared if
it comes back. The run's new accounts get their mapping by email once the listing is read (the
sync's evaluator calls access.mapping.rematch: one look at the directory per run, not per page)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from access.models import Account, CriticalSystem
from integrations.models import Connection
from integrations.records import AccountRecord
from integrations.sync.snapshot import LiveRows
from integrations.sync.stores import StreamCounts
from integrations.sync.writes import insert_rows, update_rows

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


def _values(record: AccountRecord) -> dict[str, object]:
    return {
        "email": record.email[:254],
        "name": record.name[:200],
        "role": record.role[:100],
        "teams": list(record.teams),
        "invitation_pending": record.invitation_pending,
        "blocked": record.blocked,
        "verified": record.verified,
        "created_upstream_at": record.created_at,
        "upstream_url": record.upstream_url[:500],
    }


def content_hash(record: AccountRecord) -> str:
    return hashlib.sha256(repr(record).encode()).hexdigest()


class AccountStore(LiveRows):
    def save(self, *, connection: Connection, records: Sequence[AccountRecord]) -> StreamCounts:
        by_id = {record.upstream_id: record for record in records}
        counts = StreamCounts(fetched=len(records))
        now = timezone.now()
        with transaction.atomic():
            existing = {
                row.upstream_id: row
                for row in Account.objects.filter(
                    connection=connection, upstream_id__in=list(by_id)
                ).only("id", "upstream_id", "content_hash", "removed_at")
            }
            to_create, to_update = [], []
            for upstream_id, record in by_id.items():
                digest = content_hash(record)
                row = existing.get(upstream_id)
                if row is None:
                    to_create.append(
                        Account(
                            connection=connection,
                            upstream_id=upstream_id,
                            content_hash=digest,
                            first_seen_at=now,
                            changed_at=now,
                            **_values(record),
                        )
                    )
                elif row.content_hash != digest or row.removed_at is not None:
                    for name, value in _values(record).items():
                        setattr(row, name, value)
                    row.content_hash, row.changed_at, row.removed_at = digest, now, None
                    to_update.append(row)
            insert_rows(Account, to_create)
            update_rows(
                Account, to_update, [*SYNCED_FIELDS, "content_hash", "changed_at", "removed_at"]
            )
        return counts.settle(seen=len(by_id), created=len(to_create), updated=len(to_update))

    def live(self, connection: Connection) -> QuerySet[Account]:
        return Account.objects.filter(connection=connection, removed_at__isnull=True)

    def flag_missing(self, *, connection: Connection, listed: set[str]) -> int:
        missing = self.missing(connection, listed)
        if not missing:
            return 0
        now = timezone.now()
        return Account.objects.filter(pk__in=missing).update(removed_at=now, changed_at=now)


ACCOUNTS = AccountStore()


def reads_accounts(connection: Connection) -> bool:
    """The accounts stream is read only for a connection an admin made a critical system."""
    return CriticalSystem.objects.filter(connection=connection).exists()
