"""The query plans of the slowest pages (bench_pages.py, PostgreSQL): for each of the pages whose
median was slowest at the largest size, its slowest query as PostgreSQL ran it, with
``EXPLAIN (ANALYZE, BUFFERS)``, so the plans a closing note or a review needs come from the run
whose figures they explain, not from a session at a psql prompt.

Only SELECT statements are explained: EXPLAIN ANALYZE executes the statement, and a page's GET
may write (a session touched, an audit row): a write is passed over for the slowest SELECT, and a
page that ran none says so."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tests.bench.common import page_queries

# Pages whose plans are printed.
SLOWEST = 3


def slowest_pages(timings: Mapping[str, tuple], names: Sequence[str], count: int) -> list[str]:  # type: ignore[type-arg]
    """The ``count`` names of ``names`` with the largest median (timings: name -> (median, ...))."""
    return sorted(names, key=lambda name: timings[name][0], reverse=True)[:count]


def slowest_query(queries: Sequence[Mapping[str, str]]) -> str | None:
    """The SQL of the slowest SELECT among Django's captured queries (each {"sql", "time"}),
    None when the page ran none."""
    selects = [query for query in queries if query["sql"].lstrip().upper().startswith("SELECT")]
    if not selects:
        return None
    return max(selects, key=lambda query: float(query["time"]))["sql"]


def explain(client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The lines of the plan of ``url``'s slowest SELECT, run once more by PostgreSQL with
    EXPLAIN (ANALYZE, BUFFERS); the page is requested first, to capture its queries."""
    from django.db import connection

    queries, _ = page_queries(client, url)
    sql = slowest_query(queries)
    if sql is None:
        return [f"  (no SELECT among its {len(queries)} queries: nothing explained)"]
    with connection.cursor() as cursor:
        # The captured SQL holds its values already (psycopg's own rendering of the page's
        # query); no parameter is passed, so nothing in it is read as a placeholder.
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = [row[0] for row in cursor.fetchall()]
    return [
        f"  the slowest of its {len(queries)} queries: {sql}",
        *(f"    {line}" for line in plan),
    ]


def report(client, size: int, timings: Mapping[str, tuple], urls: Mapping[str, str]) -> str:  # type: ignore[no-untyped-def,type-arg]
    """The plans of the SLOWEST pages of ``urls`` at ``size`` incidents, as printable text."""
    lines = [f"\nQuery plans of the {SLOWEST} slowest pages at {size} incidents (PostgreSQL):"]
    for name in slowest_pages(timings, list(urls), SLOWEST):
        lines.append(f"\n{name} (median {timings[name][0]:.1f} ms): {urls[name]}")
        lines += explain(client, urls[name])
    return "\n".join(lines)
