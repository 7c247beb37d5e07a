"""`make bench` (issue 14, item 5): the evidence export's memory stays flat however many incidents.

A throwaway SQLite file (or BENCH_DATABASE_URL) with production settings for queries. At each
size of BENCH_EXPORT_SIZES (default 20,000 and 200,000 incidents; 1,000,000 works too), the
incidents are written with bulk_create in batches (a year of history, ~2% with a data-loss
report), the checks are evaluated once (failing_items.csv), then the export of the whole year is
built twice, each time by the worker's own function (evidence.build.export_build) in a fresh
process, as a django-q2 worker would: once for its peak resident memory (the kernel's
high-water mark, VmHWM, before and after the build) and its time, once under tracemalloc for
the peak of Python's own allocations. Budget: at the largest size, the build's growth in
resident memory and the tracemalloc peak are each at most FLAT times the smallest size's (plus
SLACK_MB for noise).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.common import Budgets, database_label, setup_django  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_EXPORT_SIZES", "20000,200000").split(",")]
BATCH = 5_000
FLAT = 1.5
SLACK_MB = 8.0
MB = 1024 * 1024


def populate(size: int, *, seed: int = 1) -> None:
    """Replace every incident with ``size`` synthetic ones, in batches, then evaluate."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from checks.engine import evaluate
    from checks.models import FailingItem
    from incidents.models import DataLossReport, Incident
    from integrations.models import Connection

    rng = random.Random(seed)
    FailingItem.objects.all().delete()
    DataLossReport.objects.all().delete()
    Incident.objects.all().delete()
    connection = Connection.objects.filter(provider="opsgenie").first()
    if connection is None:
        connection = Connection(
            provider="opsgenie", status="connected", region="us", connected_at=timezone.now()
        )
        connection.set_credentials({"api_key": "b" * 36}, hint="bench")
        connection.save()
    get_user_model().objects.get_or_create(username="bench-auditor")
    now = timezone.now()
    year = 365 * 86_400
    for first in range(0, size, BATCH):
        batch = []
        for index in range(first, min(first + BATCH, size)):
            created = now - timedelta(seconds=year - index * (year - 60) // size)
            closed = rng.random() < 0.9
            priority = rng.choice(["high", "medium", "low", ""])
            batch.append(
                Incident(
                    connection=connection,
                    source="opsgenie",
                    upstream_id=f"bench-{index}",
                    number=str(index + 1),
                    title=f"checkout-api latency above 2 s on node-{index % 97:02d} ({index})",
                    description="p99 latency above the SLO for 10 minutes; paging the on-call.",
                    status="closed" if closed else "open",
                    raw_status="closed" if closed else "open",
                    priority=priority,
                    raw_priority={"high": "P1", "medium": "P3", "low": "P4", "": "P5"}[priority],
                    services=["checkout", "payments"][: rng.choice((1, 2))],
                    created_at=created,
                    updated_at=created,
                    resolved_at=created + timedelta(hours=2) if closed else None,
                    upstream_url=f"https://bench.app.opsgenie.com/incident/detail/bench-{index}",
                    content_hash="bench",
                    changed_at=now,
                )
            )
        with transaction.atomic():
            made = Incident.objects.bulk_create(batch)
            reports = [
                DataLossReport(incident_id=incident.pk, data_lost="no")
                for incident in made
                if rng.random() < 0.02
            ]
            # bulk_create skips simple-history's signal, as a data import would.
            DataLossReport.objects.bulk_create(reports)
    evaluate(reason="bench", full=True)  # bulk-created: nothing marked them for the checks


def _export_id() -> int:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from evidence.models import EvidenceExport

    today = timezone.localdate()
    return EvidenceExport.objects.create(
        period_start=today - timedelta(days=366),
        period_end=today,
        requested_by=get_user_model().objects.get(username="bench-auditor"),
    ).pk


def _build_in_a_worker(*, trace: bool) -> dict[str, float]:
    from django.db import connections

    export_id = _export_id()
    connections.close_all()  # the child reads what this process committed
    args = [sys.executable, __file__, "--build", str(export_id), *(["--trace"] if trace else [])]
    result = subprocess.run(args, capture_output=True, text=True, check=True, timeout=3600)  # noqa: S603
    return json.loads(result.stdout.strip().splitlines()[-1])


def _peak_rss_kb() -> int:
    """This process's peak resident memory. Not getrusage's ru_maxrss: after fork and exec it
    keeps the parent's peak (here the process that wrote the incidents)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def child(export_id: int, *, trace: bool) -> None:
    """What one worker does for one export, measured."""
    import gc
    import tracemalloc

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    from evidence.build import export_build

    gc.collect()
    before = _peak_rss_kb()
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    export = export_build(export_id=export_id)
    seconds = time.perf_counter() - start
    peak = _peak_rss_kb()
    traced = tracemalloc.get_traced_memory()[1] if trace else 0
    assert export is not None and export.status == "done", export and export.error
    measured = {
        "seconds": seconds,
        "rss_before_mb": before / 1024,
        "rss_peak_mb": peak / 1024,
        "traced_peak_mb": traced / MB,
        "rows": export.rows_done,
        "zip_mb": (export.size or 0) / MB,
    }
    print(json.dumps(measured))


def main() -> None:
    runs: dict[int, tuple[dict[str, float], dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["EVIDENCE_EXPORT_DIR"] = f"{tmp}/exports"
        setup_django(tmp)
        for size in SIZES:
            start = time.perf_counter()
            populate(size)
            print(f"{size} incidents written and evaluated in {time.perf_counter() - start:.0f} s")
            runs[size] = (_build_in_a_worker(trace=False), _build_in_a_worker(trace=True))
    print(f"\nEvidence export built by the worker on {database_label()}:")
    print(
        f"  {'incidents':>9}  {'rows':>9}  {'ZIP':>8}  {'time':>7}  {'RSS before':>10}"
        f"  {'RSS peak':>9}  {'growth':>8}  {'tracemalloc peak':>16}"
    )
    for size, (rss, traced) in runs.items():
        growth = rss["rss_peak_mb"] - rss["rss_before_mb"]
        print(
            f"  {size:>9}  {rss['rows']:>9}  {rss['zip_mb']:6.1f} MB  {rss['seconds']:5.1f} s"
            f"  {rss['rss_before_mb']:7.1f} MB  {rss['rss_peak_mb']:6.1f} MB  {growth:5.1f} MB"
            f"  {traced['traced_peak_mb']:13.1f} MB"
        )
    small, large = runs[min(runs)], runs[max(runs)]

    def growth(rss: dict[str, float]) -> float:
        return rss["rss_peak_mb"] - rss["rss_before_mb"]

    budgets = Budgets()
    print(
        budgets.check(
            f"RSS growth at {max(runs)} <= {FLAT} x at {min(runs)} + {SLACK_MB:.0f} MB",
            growth(large[0]) <= FLAT * growth(small[0]) + SLACK_MB,
            f"{growth(large[0]):.1f} MB vs {growth(small[0]):.1f} MB",
        )
    )
    print(
        budgets.check(
            f"tracemalloc peak at {max(runs)} <= {FLAT} x at {min(runs)} + {SLACK_MB:.0f} MB",
            large[1]["traced_peak_mb"] <= FLAT * small[1]["traced_peak_mb"] + SLACK_MB,
            f"{large[1]['traced_peak_mb']:.1f} MB vs {small[1]['traced_peak_mb']:.1f} MB",
        )
    )
    budgets.exit()


if __name__ == "__main__":
    if "--build" in sys.argv:
        child(int(sys.argv[sys.argv.index("--build") + 1]), trace="--trace" in sys.argv)
    else:
        main()
