"""`make bench`: what syncing OpsGenie alerts costs (issue 15), as ratios against a baseline
from the same run, at BENCH_ALERT_SIZES (2,000 and 20,000 by default).

The sandbox runs in its own process on loopback with 10 incidents and the alerts; the app on a
throwaway database (common.py). Measured: (a) downloading every alert page the sync asks for
with plain requests (the same keyset on ``createdAt``, 100 a page), (b) the full first sync,
(c) a scheduled sync with nothing changed (its HTTP calls and rows written), (d) a scheduled
sync after 1% of the alerts changed upstream through the alert API itself (half new alerts,
half open ones closed).
Budgets: b/a <= 1.5 at the largest size; (c) writes nothing and its calls do not grow with the
number of alerts (largest size vs smallest); (d) writes exactly the alerts that changed. A
missed budget makes the run exit non-zero and says which.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_sync import _connect, _start_sandbox  # noqa: E402
from tests.bench.common import (  # noqa: E402
    Budgets,
    database_label,
    empty_tables,
    setup_django,
)

SIZES = [int(s) for s in os.environ.get("BENCH_ALERT_SIZES", "2000,20000").split(",")]
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
PAGE = 100


def download(base_url: str, key: str) -> tuple[float, int, list[str]]:
    """(a): (seconds, distinct alerts, ids of the open ones), reading what the sync reads."""
    session = requests.Session()
    session.headers["Authorization"] = f"GenieKey {key}"
    seen: dict[str, str] = {}
    query = ""
    start = time.perf_counter()
    while True:
        params: dict[str, object] = {"limit": PAGE, "offset": 0, "sort": "createdAt"}
        params["order"] = "asc"
        if query:
            params["query"] = query
        body = session.get(f"{base_url}/v2/alerts", params=params, timeout=30).json()
        seen.update((alert["id"], alert["status"]) for alert in body["data"])
        if not body["paging"].get("next") or not body["data"]:
            elapsed = time.perf_counter() - start
            return elapsed, len(seen), [i for i, status in seen.items() if status == "open"]
        last = datetime.fromisoformat(body["data"][-1]["createdAt"])
        query = f"createdAt>={int(last.timestamp() * 1000)}"


def sync(connection_id: int, *, full: bool) -> tuple[float, dict]:
    from integrations.sync.engine import sync_connection

    start = time.perf_counter()
    run = sync_connection(connection_id=connection_id, trigger="command", full=full)
    elapsed = time.perf_counter() - start
    assert run is not None and run.outcome == "succeeded", run and run.error
    alerts = run.counts["alerts"]
    written = alerts["created"] + alerts["updated"] + alerts["deleted"]
    return elapsed, {**alerts, "written": written, "run_http_calls": run.http_calls}


def change(base_url: str, key: str, open_ids: list[str], count: int) -> int:
    """Half ``count`` new alerts, half open ones closed, through the alert API; how many."""
    session = requests.Session()
    session.headers["Authorization"] = f"GenieKey {key}"
    new = count // 2
    for n in range(new):
        answer = session.post(
            f"{base_url}/v2/alerts", json={"message": f"Bench alert {n}"}, timeout=30
        )
        answer.raise_for_status()
    closed = open_ids[: count - new]
    for alert_id in closed:
        answer = session.post(
            f"{base_url}/v2/alerts/{alert_id}/close",
            params={"identifierType": "id"},
            json={},
            timeout=30,
        )
        answer.raise_for_status()
    return new + len(closed)


def bench(size: int) -> dict[str, object]:
    from alerts.models import Alert

    process, base, keys = _start_sandbox(10, alerts=size)
    key, url = keys["opsgenie_us"], f"{base}/opsgenie/us"
    try:
        Alert.objects.all().delete()  # the size before's: they hold its connection
        # The alerts on (the incident bench switches every optional stream off).
        connection_id = _connect("opsgenie", base, key, streams_on=("alerts",))
        download(url, key)  # warm both processes up
        a_runs, b_runs = [], []
        for _ in range(REPEAT):
            empty_tables(Alert)
            a_run, downloaded, open_ids = download(url, key)
            b_run, b_counts = sync(connection_id, full=True)
            a_runs.append(a_run)
            b_runs.append(b_run)
        assert downloaded == size == b_counts["created"], (downloaded, b_counts)
        _, c_counts = sync(connection_id, full=False)
        # Alerts are raised and closed by an integration's key, as monitoring tools do.
        changed = change(url, keys["opsgenie_us_integration"], open_ids, max(2, size // 100))
        _, d_counts = sync(connection_id, full=False)
        ratios = [b / a for a, b in zip(a_runs, b_runs, strict=True)]
        return {
            "alerts": size,
            "open": len(open_ids),
            "a_download_s": round(statistics.median(a_runs), 3),
            "b_first_sync_s": round(statistics.median(b_runs), 3),
            "b/a": round(statistics.median(ratios), 2),
            "b/a_runs": [round(r, 2) for r in ratios],
            "b_http_calls": b_counts["http_calls"],
            "c_http_calls": c_counts["http_calls"],
            "c_written": c_counts["written"],
            "d_changed": changed,
            "d_http_calls": d_counts["http_calls"],
            "d_written": d_counts["written"],
        }
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(tmp)
        rows = [bench(size) for size in SIZES]
    for row in rows:
        print(json.dumps(row))
    budgets = Budgets()
    small, large = rows[0], rows[-1]
    n = large["alerts"]
    print(
        "\n".join(
            [
                "",
                f"Sync of OpsGenie alerts against the sandbox on loopback, {database_label()} "
                f"({n} alerts, {large['open']} open):",
                f"  (a) plain download of every page     {large['a_download_s']:8.3f} s (median)",
                f"  (b) full first sync                  {large['b_first_sync_s']:8.3f} s"
                f"   b/a = {large['b/a']} (median of {REPEAT}; runs {large['b/a_runs']})",
                f"  (c) scheduled sync, nothing changed  {large['c_http_calls']} alert calls, "
                f"{large['c_written']} rows written ({small['c_http_calls']} calls at "
                f"{small['alerts']} alerts, {small['open']} open)",
                f"  (d) scheduled sync after 1% changed  {large['d_http_calls']} alert calls, "
                f"{large['d_written']} rows written for {large['d_changed']} changed alerts",
                budgets.check(
                    "alerts full sync <= 1.5x download", large["b/a"] <= 1.5, f"b/a {large['b/a']}"
                ),
                budgets.check(
                    "alerts resync writes nothing",
                    large["c_written"] == 0,
                    f"{large['c_written']} rows written",
                ),
                budgets.check(
                    "alerts resync calls do not grow with the alerts",
                    large["c_http_calls"] <= small["c_http_calls"],
                    f"{small['c_http_calls']} calls at {small['alerts']}, "
                    f"{large['c_http_calls']} at {n}",
                ),
                budgets.check(
                    "alerts 1% change writes what changed",
                    large["d_written"] == large["d_changed"],
                    f"{large['d_written']} rows for {large['d_changed']} changed",
                ),
            ]
        )
    )
    budgets.exit()


if __name__ == "__main__":
    main()
