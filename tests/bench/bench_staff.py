"""`make bench`: the staff directory's budgets at 5,000 people (issue 11, item 11).

A throwaway SQLite file (or BENCH_DATABASE_URL) with production settings for queries. The
directory is written by the CSV import itself (so its time is measured too: plan and save of
LARGE rows), then the list is read with Django's test Client as a signed-in superuser: median
server time of REQUESTS requests and the queries of one request. Budgets: every page's median
< 50 ms; the same query count at SMALL and LARGE people.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.common import Budgets, database_label, page_queries, setup_django  # noqa: E402

SMALL = int(os.environ.get("BENCH_SMALL_STAFF", "500"))
LARGE = int(os.environ.get("BENCH_STAFF", "5000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))
BUDGET_MS = 50.0
ROLES = ["Engineering", "SRE", "Support", "Finance", "Sales", "People", "Legal", "Design"]
FIRST = ["Ann", "Bob", "Zoë", "José", "Mia", "Noah", "Léa", "Omar", "Chloé", "Sven", "Aiko"]
LAST = ["Able", "Baker", "Müller", "García", "Nguyen", "Okafor", "Dubois", "Kowalski", "Ito"]


def staff_csv(size: int, *, seed: int = 1) -> str:
    """``size`` people: managers first, ~8% offboarded, one in ten with a manager."""
    rng = random.Random(seed)
    lines = ["name,email,org_role,status,last_working_day,manager_email"]
    for n in range(size):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}"
        offboarded = rng.random() < 0.08
        manager = f"person{rng.randrange(n)}@example.com" if n and rng.random() < 0.1 else ""
        lines.append(
            f"{name},person{n}@example.com,{rng.choice(ROLES)},"
            f"{'offboarded' if offboarded else 'active'},{'2026-01-15' if offboarded else ''},"
            f"{manager}"
        )
    return "\n".join(lines) + "\n"


def populate(size: int) -> float:
    from access.models import OrgRole, StaffMember
    from access.staff_import import apply_import

    StaffMember.objects.all().delete()
    OrgRole.objects.all().delete()
    start = time.perf_counter()
    plan = apply_import(staff_csv(size), user=None)
    assert plan.ok and len(plan.created) == size, plan.errors[:3]
    return time.perf_counter() - start


def _median_ms(client, url: str) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(REQUESTS):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    queries, _ = page_queries(client, url)
    return statistics.median(times), len(queries)


def _pages(size: int) -> dict[str, str]:
    from access.models import OrgRole

    sre = OrgRole.objects.get(name="SRE").pk
    deep = max(1, (size // 50) * 3 // 4)
    return {
        "first page": "/access/staff/",
        "search (name, accents)": "/access/staff/?q=zoe",
        "search (email)": "/access/staff/?q=person42",
        "offboarded, SRE": f"/access/staff/?status=offboarded&org_role={sre}",
        "deep page": f"/access/staff/?page={deep}",
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(tmp)
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.test import Client

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        user = get_user_model().objects.create_superuser("bench", password="x" * 20)
        client = Client()
        client.force_login(user)
        runs, imports = {}, {}
        for size in (SMALL, LARGE):
            imports[size] = populate(size)
            runs[size] = {name: _median_ms(client, url) for name, url in _pages(size).items()}
    small, large = runs[SMALL], runs[LARGE]
    width = max(len(name) for name in large) + 2
    print(f"\nStaff list on {database_label()} (median of {REQUESTS} requests):")
    print(f"  {'page':<{width}}{LARGE:>7} people  queries   {SMALL:>5}: queries")
    for name, (median, queries) in large.items():
        print(
            f"  {name:<{width}}{median:7.1f} ms  {queries:>9}"
            f"   {small[name][0]:5.1f} ms: {small[name][1]}"
        )
    print(f"  import of {LARGE} people (plan and save): {imports[LARGE]:.2f} s")
    slowest = max(median for median, _ in large.values())
    constant = all(large[name][1] == small[name][1] for name in large)
    budgets = Budgets()
    print(
        budgets.check(
            f"every page median < {BUDGET_MS:.0f} ms",
            slowest < BUDGET_MS,
            f"slowest {slowest:.1f} ms",
        )
    )
    print(
        budgets.check(
            f"same query count at {SMALL} and {LARGE} people",
            constant,
            "constant" if constant else "not constant",
        )
    )
    budgets.exit()


if __name__ == "__main__":
    main()
