"""`make bench`: the sync's budgets (issue 3), as ratios against a baseline from the same run,
for OpsGenie and for PagerDuty (BENCH_PROVIDERS picks; both by default).

The sandbox runs in its own process on loopback, the app on a throwaway SQLite file. Measured:
(a) downloading every page with plain requests at the largest page size, (b) the full first
sync, (c) a second sync with nothing changed, (d) a scheduled sync after 1% of incidents
changed; peak Python memory of (b) at a small and the large size.
Budgets: b/a <= 1.5, nothing written in (c), d/b <= 0.15, memory flat.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "2000,20000").split(",")]
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
PROVIDERS = os.environ.get("BENCH_PROVIDERS", "opsgenie,pagerduty").split(",")
NAMES = {"opsgenie": "OpsGenie", "pagerduty": "PagerDuty"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_sandbox(
    incidents: int, *, pd_incidents: int = 10
) -> tuple[subprocess.Popen[bytes], str, dict[str, str]]:
    port = _free_port()
    cmd = [
        sys.executable,
        "manage.py",
        "sandbox",
        "--port",
        str(port),
        "--incidents",
        str(incidents),
        "--pd-incidents",
        str(pd_incidents),
        "--users",
        "10",
        "--seed",
        "1",
    ]
    process = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    import requests

    for _ in range(200):
        try:
            keys = requests.get(f"{base}/_sandbox/keys", timeout=1).json()
            return process, base, keys["keys"]
        except requests.RequestException:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the sandbox did not start")


def _setup_django(db_path: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
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


def _download_all(base: str, key: str) -> tuple[float, int]:
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"GenieKey {key}"
    url: str | None = f"{base}/opsgenie/us/v1/incidents"
    params: dict[str, object] | None = {
        "limit": 100,
        "offset": 0,
        "sort": "createdAt",
        "order": "asc",
    }
    count = 0
    start = time.perf_counter()
    while url:
        body = session.get(url, params=params, timeout=30).json()
        count += len(body["data"])
        url, params = body["paging"].get("next"), None
    return time.perf_counter() - start, count


def _download(provider: str, base: str, key: str) -> tuple[float, int]:
    if provider == "pagerduty":
        from tests.bench.pagerduty_download import download_all

        return download_all(f"{base}/pagerduty/us", key)
    return _download_all(base, key)


def _sync(connection_id: int, *, measure_memory: bool = False) -> tuple[float, dict, int]:
    from integrations.sync.engine import sync_connection

    if measure_memory:
        tracemalloc.start()
    start = time.perf_counter()
    run = sync_connection(connection_id=connection_id, trigger="command")
    elapsed = time.perf_counter() - start
    peak = 0
    if measure_memory:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert run is not None and run.outcome == "succeeded", run and run.error
    # The run's HTTP calls ride along with the incident counts.
    return elapsed, {**run.counts["incidents"], "http_calls": run.http_calls}, peak


def _connect(provider: str, base: str, key: str) -> int:
    from django.conf import settings
    from django.utils import timezone

    from incidents.models import Incident
    from integrations.models import Connection

    urls = {region: f"{base}/{provider}/{region}" for region in ("us", "eu")}
    setattr(settings, f"{provider.upper()}_BASE_URLS", urls)
    Incident.objects.all().delete()
    Connection.objects.all().delete()
    now = timezone.now()
    connection = Connection(
        provider=provider,
        status="connected",
        region="us",
        connected_at=now,
        services_confirmed_at=now,
    )
    connection.set_credentials({"api_key": key}, hint="bench")
    connection.save()
    return connection.pk


def bench(size: int, provider: str = "opsgenie") -> dict[str, object]:
    from incidents.models import Incident
    from integrations.models import ProviderService

    if provider == "pagerduty":
        process, base, keys = _start_sandbox(10, pd_incidents=size)
    else:
        process, base, keys = _start_sandbox(size)
    key = keys[f"{provider}_us"]
    try:
        connection_id = _connect(provider, base, key)
        _download(provider, base, key)  # warm both processes up
        # On 2 shared cores one sample swings by a third: interleave REPEAT runs of (a) and
        # (b), each (b) into an empty store, and compare medians.
        a_runs, b_runs = [], []
        for _ in range(REPEAT):
            Incident.objects.all().delete()
            ProviderService.objects.all().delete()
            a_run, downloaded = _download(provider, base, key)
            b_run, b_counts, _ = _sync(connection_id)
            a_runs.append(a_run)
            b_runs.append(b_run)
        a, b = statistics.median(a_runs), statistics.median(b_runs)
        c, c_counts, _ = _sync(connection_id)
        # Peak memory of the same first sync, measured apart: tracemalloc slows Python down.
        snapshot = list(Incident.objects.values_list("id", flat=True))
        Incident.objects.all().delete()
        _, _, peak = _sync(connection_id, measure_memory=True)
        assert Incident.objects.count() == len(snapshot)
        import requests

        d_runs = []
        for seed in range(1, 4):
            requests.post(
                f"{base}/_sandbox/advance",
                json={"provider": provider, "changed_fraction": 0.01, "seed": seed},
                timeout=30,
            )
            d_run, d_counts, _ = _sync(connection_id)
            d_runs.append(d_run)
        d = statistics.median(d_runs)
        assert downloaded == size == b_counts["created"], (downloaded, b_counts)
        return {
            "provider": provider,
            "incidents": size,
            "a_download_s": round(a, 3),
            "b_first_sync_s": round(b, 3),
            "c_resync_s": round(c, 3),
            "d_after_1pct_s": round(d, 3),
            # Each (b) is compared with the (a) measured just before it, under the same load.
            "b/a": round(statistics.median(y / x for x, y in zip(a_runs, b_runs, strict=True)), 2),
            "b/a_runs": [round(y / x, 2) for x, y in zip(a_runs, b_runs, strict=True)],
            "c/a": round(c / a, 2),
            "d/b": round(d / b, 3),
            "rows_written_c": c_counts["created"] + c_counts["updated"] + c_counts["deleted"],
            "d_fetched": d_counts["fetched"],
            "d_http_calls": d_counts["http_calls"],
            "d_written": d_counts["created"] + d_counts["updated"],
            "b_peak_memory_mb": round(peak / 1e6, 2),
        }
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(f"{tmp}/bench.sqlite3")
        results = {provider: [bench(size, provider) for size in SIZES] for provider in PROVIDERS}
    for rows in results.values():
        for row in rows:
            print(json.dumps(row))
    for provider, rows in results.items():
        print(_summary(NAMES[provider], rows[0], rows[-1]))


def _summary(name: str, small: dict, large: dict) -> str:
    n = large["incidents"]
    lines = [
        "",
        f"Sync of {name} incidents against the sandbox on loopback ({n} incidents):",
        f"  (a) plain download of every page     {large['a_download_s']:8.3f} s (median)",
        f"  (b) full first sync                  {large['b_first_sync_s']:8.3f} s"
        f"   b/a = {large['b/a']} (median of {REPEAT}; runs {large['b/a_runs']}; budget <= 1.5)",
        f"  (c) second sync, nothing changed     {large['c_resync_s']:8.3f} s"
        f"   c/a = {large['c/a']}  rows written: {large['rows_written_c']} (budget 0)",
        f"  (d) scheduled sync after 1% changed  {large['d_after_1pct_s']:8.3f} s"
        f"   d/b = {large['d/b']}  (budget <= 0.15; {large['d_http_calls']} HTTP calls)",
        f"  peak memory of (b): {small['b_peak_memory_mb']} MB at {small['incidents']}, "
        f"{large['b_peak_memory_mb']} MB at {n} (budget: flat)",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
