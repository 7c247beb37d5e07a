"""The query planner's statistics on SQLite, which gathers none unless asked.

PostgreSQL's autovacuum keeps its statistics current by itself. SQLite plans every query from
fixed guesses until ANALYZE has run, and a guess can be far off: the incident list with every
filter at once walked a year of one source's incidents (most of them) instead of the few open,
high ones: 67 ms at 100,000 incidents instead of 17 (make bench). SQLite's own advice for a
long-running application is to analyze now and then; this does so with a bounded sample
(``analysis_limit``: rows read per index, a few milliseconds whatever the table's size)."""

from __future__ import annotations

from django.db import connection

# Rows SQLite reads per index to estimate it (its documentation suggests 100 to 1,000).
SAMPLE_ROWS = 1000


def refresh_statistics() -> bool:
    """ANALYZE on SQLite (the daily evaluation asks it); nothing elsewhere. True if it ran."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {SAMPLE_ROWS}")
        cursor.execute("ANALYZE")
    return True
