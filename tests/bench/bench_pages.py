"""`make bench`: the incident list's and the access pages' budgets at 100,000 incidents and
5,000 accounts of a critical system (with as many people in the staff directory).

The app runs on a throwaway SQLite file with production settings for queries (DEBUG off). Incidents
are written with bulk_create (a year of history, the sandbox's mix of text, status and priority,
~2% with a data-loss report), then the incident checks are evaluated once, as after a sync.
Measured with Django's test Client as a signed-in superuser, in the same run: our list (first page,
a filtered page, a search page, a deep page) against Django's admin changelist of the same model;
median server time of REQUESTS requests and the queries of one request; the time to evaluate every
check (incident and access checks). Budgets: median < 50 ms and below the admin's; the same
query count at SMALL and LARGE incidents; checks < 1 s.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.access_data import populate_accounts  # noqa: E402
from tests.bench.common import Budgets, database_label, setup_django  # noqa: E402

SMALL = int(os.environ.get("BENCH_SMALL", "1000"))
LARGE = int(os.environ.get("BENCH_INCIDENTS", "100000"))
# Accounts of one critical system, and as many people in the staff directory, per size.
ACCOUNTS = {SMALL: 100, LARGE: int(os.environ.get("BENCH_ACCOUNTS", "5000"))}
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
BUDGET_MS = 50.0
CHECKS_BUDGET_S = 1.0


def _setup_django(tmp_dir: str) -> None:
    setup_django(tmp_dir)
    from django.conf import settings

    # The test Client's host, without setup_test_environment's template instrumentation.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def populate(size: int, *, seed: int = 1) -> None:
    """Replace every incident with ``size`` synthetic ones, then evaluate the checks."""
    from django.db import transaction
    from django.utils import timezone

    from checks.engine import evaluate
    from checks.models import FailingItem
    from incidents.models import DataLossReport, DataLost, Incident
    from integrations.models import Connection
    from integrations.providers.opsgenie.sandbox.data import (
        _DESCRIPTIONS,
        _MESSAGES,
        _SERVICES,
    )

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
    now = timezone.now()
    year = 365 * 86_400
    # Sorted creation times so the number grows with creation, as upstream.
    ages = sorted((rng.randrange(60, year) for _ in range(size)), reverse=True)
    priorities = rng.choices(["high", "medium", "low", ""], weights=[17, 38, 33, 12], k=size)
    services = [name for name, _ in _SERVICES]
    incidents = []
    for index, age in enumerate(ages):
        created = now - timedelta(seconds=age)
        open_share = 0.6 if age < 2 * 86_400 else 0.25 if age < 14 * 86_400 else 0.02
        status = (
            "open"
            if rng.random() < open_share
            else ("resolved" if rng.random() < 0.4 else "closed")
        )
        resolved = (
            None
            if status == "open"
            else created + timedelta(seconds=int(rng.expovariate(1 / (30 * 3600))) + 300)
        )
        impacted = rng.sample(services, rng.choice((1, 1, 1, 2, 3)))
        fill = {"{service}": impacted[0], "{region}": "eu-west-1", "{host}": "node-07"}
        title, description = rng.choice(_MESSAGES), rng.choice(_DESCRIPTIONS)
        for key, value in {**fill, "{count}": str(rng.randint(2, 5000)), "{team}": "SRE"}.items():
            title, description = title.replace(key, value), description.replace(key, value)
        incidents.append(
            Incident(
                connection=connection,
                source="opsgenie",
                upstream_id=f"bench-{index}",
                number=str(index + 1),
                title=title[:130],
                description=description,
                status=status,
                raw_status=status,
                priority=priorities[index],
                raw_priority={"high": "P1", "medium": "P3", "low": "P4", "": "P5"}[
                    priorities[index]
                ],
                services=impacted,
                created_at=created,
                updated_at=resolved or created,
                resolved_at=resolved,
                upstream_url=f"https://bench.app.opsgenie.com/incident/detail/bench-{index}",
                content_hash="bench",
                changed_at=now,
            )
        )
    with transaction.atomic():
        Incident.objects.bulk_create(incidents, batch_size=2000)
        ids = list(Incident.objects.values_list("id", flat=True))
        reports = [
            DataLossReport(
                incident_id=pk,
                data_lost=rng.choice(
                    [DataLost.YES, DataLost.NO, DataLost.NO, DataLost.NOT_ASSESSED]
                ),
                what_happened=rng.choice(["", "Backups were incomplete."]),
            )
            for pk in rng.sample(ids, size // 50)
        ]
        # bulk_create skips simple-history's signal, as a data import would.
        DataLossReport.objects.bulk_create(reports, batch_size=2000)
    evaluate(reason="bench")


def _median_ms(client, url: str) -> tuple[float, int, int]:  # type: ignore[no-untyped-def]
    """Median server time of REQUESTS GETs of ``url`` and the queries of one of them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm caches, compile templates
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), len(queries), len(response.content)


PAGES = {
    "first page": "/incidents/",
    "filtered (open, high, failing)": "/incidents/?status=open&priority=high&check=any",
    "search (title/number/description)": "/incidents/?q=checkout",
    "deep page": "/incidents/?page={deep}",
    "sorted by priority": "/incidents/?sort=priority&order=desc",
    "accounts of a critical system": "/access/systems/{system}/",
    "accounts: offboarded staff": "/access/systems/{system}/?category=Offboarded+staff",
    "accounts: search": "/access/systems/{system}/?q=person1",
}
ADMIN = "/admin/incidents/incident/"


def _measure(size: int, client, system: int) -> dict[str, tuple[float, int]]:  # type: ignore[no-untyped-def]
    deep = max(1, (size // 50) * 3 // 4)
    results = {}
    for name, url in PAGES.items():
        median, queries, _ = _median_ms(client, url.format(deep=deep, system=system))
        results[name] = (median, queries)
    median, queries, _ = _median_ms(client, ADMIN)
    results["admin changelist"] = (median, queries)
    median, queries, _ = _median_ms(client, f"{ADMIN}?status__exact=open&priority__exact=high")
    results["admin filtered"] = (median, queries)
    median, queries, _ = _median_ms(client, f"{ADMIN}?q=checkout")
    results["admin search"] = (median, queries)
    median, queries, _ = _median_ms(client, f"{ADMIN}?p={deep - 1}")
    results["admin deep page"] = (median, queries)
    return results


def _time_checks() -> float:
    from checks.engine import evaluate

    start = time.perf_counter()
    evaluate(reason="bench")
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(tmp)
        from django.contrib.auth import get_user_model
        from django.test import Client

        user = get_user_model().objects.create_superuser("bench", password="x" * 20)
        client = Client()
        client.force_login(user)
        runs = {}
        for size in (SMALL, LARGE):
            start = time.perf_counter()
            populate(size)
            system = populate_accounts(ACCOUNTS[size])
            print(
                f"{size} incidents and {ACCOUNTS[size]} accounts written in "
                f"{time.perf_counter() - start:.1f} s",
                flush=True,
            )
            runs[size] = _measure(size, client, system)
        checks_s = _time_checks()
    small, large = runs[SMALL], runs[LARGE]
    width = max(len(name) for name in large) + 2
    lines = [
        "",
        f"Incident list on {database_label()} vs Django's admin changelist"
        f" (median of {REQUESTS} requests):",
    ]
    lines.append(f"  {'page':<{width}}{LARGE:>9} incidents  queries   {SMALL:>6}: queries")
    for name, (median, queries) in large.items():
        small_median, small_queries = small[name]
        lines.append(
            f"  {name:<{width}}{median:9.1f} ms  {queries:>10}"
            f"   {small_median:6.1f} ms: {small_queries}"
        )
    ours = {name: value for name, value in large.items() if not name.startswith("admin")}
    slowest = max(median for median, _ in ours.values())
    admin_fastest = min(median for name, (median, _) in large.items() if name.startswith("admin"))
    constant = all(large[name][1] == small[name][1] for name in ours)
    first, admin = large["first page"][0], large["admin changelist"][0]
    budgets = Budgets()
    lines += [
        "",
        budgets.check(
            f"every page median < {BUDGET_MS:.0f} ms",
            slowest < BUDGET_MS,
            f"slowest {slowest:.1f} ms",
        ),
        budgets.check(
            "first page faster than the admin changelist",
            first < admin,
            f"{first:.1f} ms vs {admin:.1f} ms (fastest admin page {admin_fastest:.1f} ms)",
        ),
        budgets.check(
            f"same query count at {SMALL} and {LARGE} incidents",
            constant,
            "constant" if constant else "not constant",
        ),
        budgets.check(
            f"every check evaluated at {LARGE} incidents and {ACCOUNTS[LARGE]} accounts "
            f"< {CHECKS_BUDGET_S:.0f} s",
            checks_s < CHECKS_BUDGET_S,
            f"{checks_s:.3f} s",
        ),
    ]
    print("\n".join(lines))
    budgets.exit()


if __name__ == "__main__":
    main()
