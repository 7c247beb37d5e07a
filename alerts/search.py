"""The alert list's search: the alerts whose folded message, alias or tiny id (``search_text``,
lib/search.py) holds the folded query anywhere, found from an index when one can serve it.

What matches is always ``search_text LIKE '%query%'`` (the ``contains`` lookup), checked on
every row listed; an index only narrows down which rows are checked, so the results are the
same with or without one:

- On PostgreSQL a trigram GIN index (migration 0003) serves the same condition: the planner
  reads a rare string's few alerts from it and walks the list's order for a common one (the
  count's query at 100,000 alerts, EXPLAIN ANALYZE: none matching 0.3 ms instead of 123 ms;
  "database", in a fifth, still walked in order, 2 ms; with a status or priority filter the
  planner ANDs the two indexes, 10-17 ms, about what walking the filter's index costs).
- On SQLite an FTS5 table with the trigram tokenizer (migration 0004) finds the candidates; one
  query first reads at most FEW_MATCHES + 1 of their ids: when there are no more, the list
  reads those alerts by id (the count's query, none matching: 0.1 ms instead of 64 ms); when
  there are more, the string is common and the list walks its order, checking each alert, as
  without the index ("database": 5 ms), which stops once the page and the count are full (a
  common string found only in old alerts still reads most of them).
- A query shorter than MIN_INDEXED characters has no trigram: it is checked on the rows the
  order leads to, as without an index (exact; fast for the common one- and two-character
  strings, while a rare one reads every alert).
"""

from __future__ import annotations

import json

from django.db import connection
from django.db.models import BooleanField, Func, QuerySet

from alerts.models import Alert
from lib.search import fold

# The shortest query a trigram index serves.
MIN_INDEXED = 3
# SQLite: up to this many candidates, the alerts are read by id (at 100,000 alerts, 2,000
# candidates cost 2 ms to find and 4 ms to read and sort for the count); past it, walking the
# list's order finds the first thousand matches sooner.
FEW_MATCHES = 2_000
# migration 0004
FTS_TABLE = "alerts_alert_search"


class AmongIds(Func):
    """``id IN (the ids of a JSON array)``: a list of any length as one parameter (never one
    placeholder per id, nor an empty ``IN ()``, which Django would not send at all, changing
    the page's queries), read by primary key. SQLite only (json_each)."""

    output_field = BooleanField()

    def __init__(self, ids: list[int]) -> None:
        self.ids = json.dumps(ids)
        super().__init__("pk")

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        column, params = compiler.compile(self.source_expressions[0])
        found = "SELECT value FROM json_each(%s)"
        return f"{column} IN ({found})", [*params, self.ids]


def matching(alerts: QuerySet[Alert], query: str) -> QuerySet[Alert]:
    """``alerts`` whose search text holds ``query``, folded (no case, no accents)."""
    folded = fold(query)
    contains = alerts.filter(search_text__contains=folded)
    if len(folded) < MIN_INDEXED or connection.vendor != "sqlite":
        return contains
    found = indexed_ids(folded, FEW_MATCHES + 1)
    if len(found) > FEW_MATCHES:
        return contains
    return contains.filter(AmongIds(found))


def indexed_ids(folded: str, limit: int) -> list[int]:
    """Up to ``limit`` ids, from SQLite's FTS5 table, of the alerts whose search text holds
    ``folded``: every such alert (when fewer than ``limit``), and maybe a few more (the
    tokenizer folds case beyond ASCII, which LIKE does not)."""
    # One FTS5 phrase (a string in double quotes, its own doubled): its trigrams one after
    # another, i.e. the string anywhere. Never FTS5 query syntax, whatever the query holds.
    phrase = '"' + folded.replace('"', '""') + '"'
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s",  # noqa: S608
            [phrase, limit],
        )
        return [rowid for (rowid,) in cursor.fetchall()]
