"""A sync page's records found among what a connection already holds, by their upstream ids,
through the (connection, upstream id) unique index whatever PostgreSQL believes of the table.

``WHERE connection_id = X AND upstream_id IN (…100 ids…)`` is planned from the table's
statistics. While a connection's first sync fills it, they lag behind (autovacuum analyzes
after a tenth of the table changed, a minute later): PostgreSQL then takes the new connection
for a few rows, reads all of its rows so far through the connection's index and keeps the
hundred: each page read more than the one before (9.5 ms a page at 20,000 incidents, make
bench; a sync after a new connection 2.2 times its plain download). Here each id is looked up
on its own in a LATERAL subquery (its LIMIT keeps PostgreSQL from turning it back into a
join): a hundred probes of the unique index, ~1 ms, however stale the statistics. SQLite's
planner takes the unique index for the plain query, which it keeps.

On PostgreSQL, a connection's first read (it held none of the stream's records as it began)
need not look up what it has not passed to the store itself: ``SeenIds`` remembers those, and
only the ids it may have seen are looked up: a first sync of 20,000 incidents made ~120
lookups, 0.20-0.25 s of its 2.9 and 0.12 s of the database's CPU (interleaved runs)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connections, router
from django.db.models import Model, QuerySet

from lib.ids import AmongIds


class SeenIds:
    """The upstream ids a read has passed to its store, as a Bloom filter: the same 512 KiB
    however many (a set of every id would grow by ~100 bytes an incident, and a sync's memory
    stays flat). ``may_hold`` never answers False for an id it was given; of ids it was not
    given, it answers True for about 1 in 3,000 after 100,000 ids and 1 in 9 after 1,000,000:
    those are looked up, as every id was before."""

    BITS = 1 << 22

    def __init__(self) -> None:
        self._bits = bytearray(self.BITS // 8)

    @classmethod
    def _positions(cls, upstream_id: str) -> tuple[int, int, int]:
        # Three positions from the halves of the string's own hash (computed once and kept by
        # the string), as in double hashing.
        digest = hash(upstream_id) & 0xFFFFFFFFFFFFFFFF
        first, step = digest & 0xFFFFFFFF, (digest >> 32) | 1
        mask = cls.BITS - 1
        return first & mask, (first + step) & mask, (first + 2 * step) & mask

    def add(self, upstream_ids: Iterable[str]) -> None:
        bits, positions = self._bits, self._positions
        for upstream_id in upstream_ids:
            for position in positions(upstream_id):
                bits[position >> 3] |= 1 << (position & 7)

    def may_hold(self, upstream_id: str) -> bool:
        bits = self._bits
        first, second, third = self._positions(upstream_id)
        return bool(
            bits[first >> 3] & (1 << (first & 7))
            and bits[second >> 3] & (1 << (second & 7))
            and bits[third >> 3] & (1 << (third & 7))
        )


def pks_by_upstream_id(
    model: type[Model], *, connection_id: int, upstream_ids: Sequence[str]
) -> dict[str, int]:
    """upstream id → primary key of the rows of ``model`` (with a ``connection`` and an
    ``upstream_id`` field, unique together) that ``connection_id`` holds among
    ``upstream_ids``."""
    if not upstream_ids:
        return {}
    db = connections[router.db_for_read(model)]
    if db.vendor != "postgresql":
        found = _plain(model._default_manager.all(), connection_id, upstream_ids)
        return dict(found.values_list("upstream_id", "pk"))
    quote, meta = db.ops.quote_name, model._meta
    connection = quote(meta.get_field("connection").column)
    upstream = quote(meta.get_field("upstream_id").column)
    # Only the model's own quoted names are written into the SQL; the values are parameters.
    sql = (
        f"SELECT wanted.upstream_id, found.pk FROM unnest(%s::text[]) AS wanted(upstream_id) "  # noqa: S608
        f"CROSS JOIN LATERAL (SELECT {quote(meta.pk.column)} AS pk FROM {quote(meta.db_table)} "
        f"WHERE {connection} = %s AND {upstream} = wanted.upstream_id LIMIT 1) AS found"
    )
    with db.cursor() as cursor:
        cursor.execute(sql, [list(upstream_ids), connection_id])
        return dict(cursor.fetchall())


def among_upstream_ids(
    rows: QuerySet,
    *,
    connection_id: int,
    upstream_ids: Sequence[str],
    seen: SeenIds | None = None,
) -> QuerySet:
    """``rows`` narrowed to those ``connection_id`` holds among ``upstream_ids``: on
    PostgreSQL their primary keys found first (above), then read by key; elsewhere one query.

    ``seen``: given in a read that began with none of these rows held, and that writes every
    record it passes here (or fails): on PostgreSQL only the ids it may already have passed
    are looked up, and ``upstream_ids`` are added to it."""
    db = connections[router.db_for_read(rows.model)]
    if db.vendor != "postgresql":
        # SQLite's lookup runs in-process and is cheap: interleaved first syncs that skipped
        # it were no faster (0.02-0.1 slower against the download in three sets of 8-12
        # pairs, for the same CPU), so every page is looked up there.
        return _plain(rows, connection_id, upstream_ids)
    if seen is not None:
        maybe = [upstream_id for upstream_id in upstream_ids if seen.may_hold(upstream_id)]
        seen.add(upstream_ids)
        if not maybe:
            return rows.none()
        upstream_ids = maybe
    found = pks_by_upstream_id(rows.model, connection_id=connection_id, upstream_ids=upstream_ids)
    if not found:
        # None held (every page of a first sync): no second query.
        return rows.none()
    return rows.filter(AmongIds("pk", found.values()))


def _plain(rows: QuerySet, connection_id: int, upstream_ids: Sequence[str]) -> QuerySet:
    """The plain query, which SQLite plans through the unique index."""
    return rows.filter(connection_id=connection_id, upstream_id__in=list(upstream_ids))
