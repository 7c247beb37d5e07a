"""`make bench`: the accounts stream (issue "Access management"), as a ratio against a baseline
from the same run: 5,000 PagerDuty users (BENCH_ACCOUNTS) read from the sandbox on loopback.

(a) every /users page the sync asks for (``include[]=teams``, 100 a page) with plain requests;
(b) the accounts stream's first read into an empty store: fetch, map, store and match each new
account to the staff directory by email (5,000 people), as a sync does;
(c) the same again with nothing changed: nothing may be written.
Budget: b/a <= 1.5 (median of BENCH_REPEAT interleaved runs), c writes nothing.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_sync import _start_sandbox  # noqa: E402
from tests.bench.common import (  # noqa: E402
    Budgets,
    database_label,
    empty_tables,
    setup_django,
)

SIZE = int(os.environ.get("BENCH_ACCOUNTS", "5000"))
# Each (a) lasts half a second, where one sample on two shared cores swings by a third: nine
# interleaved runs (ten seconds more than five) for a median that holds still.
REPEAT = int(os.environ.get("BENCH_REPEAT", "9"))
PAGE = 100


def download(base_url: str, key: str) -> tuple[float, dict[str, str]]:
    import requests

    session = requests.Session()
    session.headers.update(
        {
            "Authorization": f"Token token={key}",
            "Accept": "application/vnd.pagerduty+json;version=2",
        }
    )
    emails: dict[str, str] = {}
    offset, start = 0, time.perf_counter()
    while True:
        params = {"include[]": "teams", "limit": PAGE, "offset": offset}
        body = session.get(f"{base_url}/users", params=params, timeout=30).json()
        emails.update((user["id"], user["email"]) for user in body["users"])
        offset += PAGE
        if not body["more"]:
            return time.perf_counter() - start, emails


def _connection(base: str, key: str, emails: list[str]):  # type: ignore[no-untyped-def]
    from django.conf import settings
    from django.utils import timezone

    from access.models import CriticalSystem, StaffMember
    from integrations.models import Connection

    settings.PAGERDUTY_BASE_URLS = {r: f"{base}/pagerduty/{r}" for r in ("us", "eu")}
    connection = Connection(
        provider="pagerduty", status="connected", region="us", connected_at=timezone.now()
    )
    connection.set_credentials({"api_key": key}, hint="bench")
    connection.save()
    CriticalSystem.objects.create(connection=connection, access_type="all_staff")
    # Nine in ten accounts belong to someone in the directory, as at a company that keeps it.
    StaffMember.objects.bulk_create(
        StaffMember(name=f"Person {n}", email=email.lower())
        for n, email in enumerate(emails)
        if n % 10
    )
    return connection


def read_accounts(connection) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    from access.mapping import rematch
    from access.store import ACCOUNTS
    from integrations.http import CallStats
    from integrations.providers.registry import get_provider
    from integrations.sync.snapshot import store_listing

    source = get_provider("pagerduty").open_source(connection, stats=CallStats(), sleep=None)
    try:
        start = time.perf_counter()
        counts = store_listing(
            ACCOUNTS, connection=connection, pages=source.accounts(), relist=source.accounts
        )
        rematch()  # what the sync's evaluator does next: map the new accounts by email
        return time.perf_counter() - start, counts
    finally:
        source.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(tmp)
        from access.models import Account, AccountMapping

        process, base, keys = _start_sandbox(10, pd_incidents=10, users=SIZE)
        try:
            url = f"{base}/pagerduty/us"
            _, users = download(url, keys["pagerduty_us"])  # warms both processes up
            connection = _connection(base, keys["pagerduty_us"], list(users.values()))
            ratios, a_runs, b_runs = [], [], []
            for _ in range(REPEAT):
                empty_tables(AccountMapping.history.model, AccountMapping, Account)
                a, listed = download(url, keys["pagerduty_us"])
                b, counts = read_accounts(connection)
                assert len(listed) == counts.created == SIZE, (len(listed), counts)  # type: ignore[attr-defined]
                a_runs.append(a)
                b_runs.append(b)
                ratios.append(b / a)
            c, again = read_accounts(connection)
            mapped = AccountMapping.objects.filter(staff__isnull=False).count()
        finally:
            process.terminate()
            process.wait(timeout=10)
    ratio = statistics.median(ratios)
    written = again.created + again.updated + again.deleted  # type: ignore[attr-defined]
    budgets = Budgets()
    print(
        "\n".join(
            [
                "",
                f"Accounts stream of PagerDuty against the sandbox on loopback, "
                f"{database_label()} ({SIZE} users, {mapped} matched to the directory):",
                f"  (a) plain download of every page  {statistics.median(a_runs):8.3f} s (median)",
                f"  (b) first read, stored and mapped {statistics.median(b_runs):8.3f} s"
                f"   b/a = {ratio:.2f} (runs {[round(r, 2) for r in ratios]})",
                f"  (c) again, nothing changed        {c:8.3f} s   {written} rows written",
                budgets.check("accounts sync <= 1.5x download", ratio <= 1.5, f"b/a {ratio:.2f}"),
                budgets.check("accounts resync writes nothing", written == 0, f"{written} rows"),
            ]
        )
    )
    budgets.exit()


if __name__ == "__main__":
    main()
