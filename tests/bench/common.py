"""What both benchmarks share: the database they run on, and budgets that fail the run.

``BENCH_DATABASE_URL`` picks the database: unset, a throwaway SQLite file; a PostgreSQL URL, a
database of that name dropped and created afresh (``make bench`` runs both when PostgreSQL
answers on localhost).
"""

from __future__ import annotations

import gc
import os
import sys
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:
    from django.db.models import Model

ROOT = Path(__file__).resolve().parents[2]


def database_label() -> str:
    url = os.environ.get("BENCH_DATABASE_URL", "")
    return "PostgreSQL" if url.startswith("postgres") else "SQLite"


def cpu_calibration_ms() -> float:
    """How long this machine takes, now, for a fixed pure-Python loop (the best of three).

    Printed beside the timings at the start and the end of a run: a shared virtual machine's
    speed drifts (seen here: the same loop in 0.16 s one hour and 0.34 s the next), so two runs'
    milliseconds compare only when their calibrations do.
    """
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        sum(range(10**7))
        best = min(best, time.perf_counter() - start)
    return best * 1000


def setup_django(tmp_dir: str) -> None:
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp_dir}/bench.sqlite3"
    if url.startswith("postgres"):
        _recreate_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    # Production answers: no per-query logging (DEBUG keeps every SQL string in memory).
    settings.DEBUG = False
    # WhiteNoise warns once that collectstatic has not run; the benches serve no static file.
    warnings.filterwarnings("ignore", message="No directory at")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # What setting up made (every migration's operations, above all) stays for the whole run;
    # a worker never holds it. Out of the collector's sight, it no longer makes each full
    # collection during a measurement take ~70 ms (it did, a dozen times per bench).
    gc.collect()
    gc.freeze()


def empty_tables(*models: type[Model]) -> None:
    """Empty these models' tables, and every table that refers to them, as a new install holds
    them: each run of a bench starts from empty stores. Django's own flush (the statements of
    ``manage.py flush``): a TRUNCATE on PostgreSQL, a DELETE on SQLite. Deleting on PostgreSQL
    left each run's rows dead in the tables and their indexes, for the next run's sync to write
    beside until autovacuum came: one bench's nine first syncs took longer run after run (OpsGenie,
    b/a 1.48 rising to 1.93), a cost no first sync in use meets."""
    from django.core.management.color import no_style
    from django.db import connection

    tables = [model._meta.db_table for model in models]
    connection.ops.execute_sql_flush(
        connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
    )
    # What the run before left for the garbage collector (objects in cycles), collected before
    # the clock starts: a full collection (~120 ms when Django's delete() had loaded 5,000
    # accounts with their mappings) fell inside the next timed run in half the runs.
    gc.collect()


def page_queries(client, url: str):  # type: ignore[no-untyped-def]
    """The queries one GET of ``url`` runs, and its response: the fewer of two requests in a row.

    Every 30 s of a signed-in session its request also writes the session's "last seen" time
    (accounts.middleware, three more queries: seen on the dashboard at 100,000 incidents, 13
    against 10 at the other sizes). It is never due twice in a row, so the fewer of two is
    what the page itself reads."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        found.append((captured.captured_queries, response))
    return min(found, key=lambda item: len(item[0]))


def _recreate_postgres_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = urlparse(url).path.lstrip("/")
    admin_url = url[: -len(name)] + "postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class Budgets:
    """Each budget printed with OK or OVER; ``exit()`` fails the run when one was missed."""

    def __init__(self) -> None:
        self.missed: list[str] = []

    def check(self, name: str, ok: bool, measured: str) -> str:
        if not ok:
            self.missed.append(f"{name} ({measured})")
        return f"  budget: {name}: {measured} -> {'OK' if ok else 'OVER'}"

    def lists(
        self,
        label: str,
        timings: dict[str, tuple],  # type: ignore[type-arg]
        names: list[str],
        *,
        median_ms: float,
        p95_ms: float,
    ) -> list[str]:
        """The two budgets of a set of list pages (``timings``: name -> (median, p95, ...)):
        the slowest median and the slowest p95 of ``names``."""
        slowest = max(names, key=lambda name: timings[name][0])
        slowest_p95 = max(names, key=lambda name: timings[name][1])
        return [
            self.check(
                f"{label}: every list page median < {median_ms:.0f} ms",
                timings[slowest][0] < median_ms,
                f"slowest {slowest} {timings[slowest][0]:.1f} ms",
            ),
            self.check(
                f"{label}: every list page p95 < {p95_ms:.0f} ms",
                timings[slowest_p95][1] < p95_ms,
                f"slowest {slowest_p95} {timings[slowest_p95][1]:.1f} ms",
            ),
        ]

    def exit(self) -> None:
        if self.missed:
            print(f"\n{len(self.missed)} budget(s) missed on {database_label()}:")
            for missed in self.missed:
                print(f"  - {missed}")
            raise SystemExit(1)
        print(f"\nEvery budget met on {database_label()}.")
