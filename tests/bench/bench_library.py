"""`make bench`: the Data library's pages at BENCH_ALERTS OpsGenie alerts (100,000 by default;
issue 15 item 3), on SQLite or PostgreSQL (``BENCH_DATABASE_URL``, common.py).

Production settings for queries (DEBUG off). Alerts are written as the alert store writes them
(alert_data.py), first SMALL then BENCH_ALERTS. Measured with Django's test Client as a
signed-in superuser: the alert list (first page, each filter alone, a search, a deep page
reached by following its Next link; the list has one order, newest first), an alert's page with
its logs, notes and recipients, the lists of teams, schedules and escalations, and the Data
library's overview; median and p95 server time of REQUESTS requests and the queries of one.

Budgets (issue 15): every list page median < 50 ms and p95 < 100 ms; the alert page median
< 50 ms; a constant query count (the same as at SMALL alerts, or one more for a page read past
the first thousand).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.alert_data import LIBRARY_KINDS, SEARCHED, populate_alerts  # noqa: E402
from tests.bench.bench_pages import Timing, _setup_django, _time_all  # noqa: E402
from tests.bench.common import Budgets, cpu_calibration_ms, database_label  # noqa: E402
from tests.bench.incident_data import _connection  # noqa: E402

SMALL = int(os.environ.get("BENCH_SMALL", "1000"))
SIZE = int(os.environ.get("BENCH_ALERTS", "100000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
LIST_MEDIAN_MS, LIST_P95_MS, DETAIL_MS = 50.0, 100.0, 50.0
# How many Next links the deep page follows (50 alerts a page: past the 1,000th alert).
DEEP_PAGES = 25
ALERTS = "/incidents/library/alerts/"
LIBRARY = "/incidents/library/"
FILTERS = {
    "status open": {"status": "open"},
    "status closed": {"status": "closed"},
    "priority P1": {"priority": "P1"},
    "priority P3": {"priority": "P3"},
    "acknowledged yes": {"acknowledged": "yes"},
    "acknowledged no": {"acknowledged": "no"},
    "connection": {"connection": "{connection}"},
    f"search ({SEARCHED!r}, a fifth match)": {"q": SEARCHED},
    "search (none match)": {"q": "nothing-matches-this"},
}
_NEXT = re.compile(rb'href="[^"]*\?([^"]*after=[^"]*)"')


def _deep_page(client, pages: int) -> str:  # type: ignore[no-untyped-def]
    """The list's URL ``pages`` Next links in (or the last page there is)."""
    from html import unescape

    url = ALERTS
    for _ in range(pages):
        found = _NEXT.search(client.get(url).content)
        if found is None:
            break
        url = f"{ALERTS}?{unescape(found[1].decode())}"
    return url


def pages(client, connection: int, alert: int, size: int) -> tuple[dict[str, str], list[str]]:  # type: ignore[no-untyped-def]
    """Every URL timed, by name, and the names of the list pages among them."""
    lists = {"alerts: first page": ALERTS}
    for name, query in FILTERS.items():
        values = {key: value.format(connection=connection) for key, value in query.items()}
        lists[f"alerts: {name}"] = f"{ALERTS}?{urlencode(values)}"
    lists["alerts: deep page (Next links)"] = _deep_page(client, min(DEEP_PAGES, size // 50))
    for kind in LIBRARY_KINDS:
        lists[f"library: {kind}"] = f"{LIBRARY}{kind}/"
    others = {"alert page": f"{ALERTS}{alert}/", "library overview": LIBRARY}
    # What is timed is what it says: a page past the first, an alert page listing its details.
    assert size <= 50 or "after=" in lists["alerts: deep page (Next links)"]
    shown = client.get(others["alert page"]).content
    assert b"user0@example.com" in shown and b"Note 0" in shown, "the alert page lists no details"
    return {**lists, **others}, list(lists)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(tmp)
        from django.contrib.auth import get_user_model
        from django.test import Client

        user = get_user_model().objects.create_superuser("bench", password="x" * 20)
        client = Client()
        client.force_login(user)
        connection = _connection()
        runs: dict[int, dict[str, Timing]] = {}
        calibration = [cpu_calibration_ms()]
        lists: list[str] = []
        for size in (SMALL, SIZE):
            start = time.perf_counter()
            alert = populate_alerts(connection, size)
            print(f"{size} alerts written in {time.perf_counter() - start:.1f} s", flush=True)
            calibration.append(cpu_calibration_ms())
            print(f"  CPU calibration before measuring: {calibration[-1]:.0f} ms", flush=True)
            urls, lists = pages(client, connection.pk, alert, size)
            runs[size] = _time_all(client, urls, REQUESTS)
            for name, timing in runs[size].items():
                print(f"  {size} {name}: {timing[0]:.1f} ms", flush=True)
        calibration.append(cpu_calibration_ms())
    print(
        "\nCPU calibration (a 10**7-step Python loop, best of 3; compare runs only when these "
        "agree): " + ", ".join(f"{ms:.0f}" for ms in calibration) + " ms (start, before each "
        "size's measurement, end)"
    )
    report(runs, lists)


def report(runs: dict[int, dict[str, Timing]], lists: list[str]) -> None:
    small, large = runs[SMALL], runs[SIZE]
    width = max(len(name) for name in large) + 2
    lines = [
        "",
        f"Data library on {database_label()} (median and p95 of {REQUESTS} requests; ms):",
        f"  {'page':<{width}}{SIZE:>10} median     p95 queries{SMALL:>8}: median queries",
    ]
    for name, (median, p95, queries, _shown) in large.items():
        lines.append(
            f"  {name:<{width}}{median:>17.1f} {p95:>7.1f} {queries:>7}"
            f"{small[name][0]:>16.1f} {small[name][2]:>7}"
        )
    # A page read past the first thousand alerts reads one more query (its cursor) than the
    # same page at SMALL alerts may (where it can be the last page, or not reached at all).
    deep = {"alerts: deep page (Next links)"}
    changed = [
        name
        for name in large
        if not small[name][2] <= large[name][2] <= small[name][2] + (name in deep)
    ]
    detail = large["alert page"][0]
    budgets = Budgets()
    lines += [
        "",
        f"At {SIZE} alerts:",
        *budgets.lists(f"{SIZE}", large, lists, median_ms=LIST_MEDIAN_MS, p95_ms=LIST_P95_MS),
        budgets.check(
            f"{SIZE}: alert page median < {DETAIL_MS:.0f} ms",
            detail < DETAIL_MS,
            f"{detail:.1f} ms",
        ),
        budgets.check(
            f"{SIZE}: query count constant (as at {SMALL} alerts, or one more for a deep page)",
            not changed,
            "constant" if not changed else "changed: " + ", ".join(changed),
        ),
    ]
    print("\n".join(lines))
    budgets.exit()


if __name__ == "__main__":
    main()
