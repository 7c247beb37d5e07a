"""Where the accounts bench's time goes: for (a) the plain download and (b) the first read,
stored and mapped (tests/bench/bench_accounts.py), the wall time and the CPU seconds of this
process (the sync), the sandbox's process and the PostgreSQL backend serving it.

On a shared two-core machine the wall time follows the CPU all three spend, and every round
trip to PostgreSQL waits for the backend to be scheduled (3-8 ms a statement under load): a
change that adds statements per page can cost more than the work it saves. A diagnosis, not a
budget: ``BENCH_DATABASE_URL=... python tests/bench/accounts_cpu.py`` (ROUNDS, default 3).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench.bench_accounts import SIZE, _connection, download, read_accounts  # noqa: E402
from tests.bench.bench_sync import _start_sandbox  # noqa: E402
from tests.bench.common import empty_tables, setup_django  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None) -> float:
    """User and system CPU of a process so far (Linux /proc)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def measure(fn: Callable[[], object], sandbox: int, backend: int | None) -> str:
    before = (time.perf_counter(), time.process_time(), cpu_seconds(sandbox), cpu_seconds(backend))
    fn()
    wall = time.perf_counter() - before[0]
    sync = time.process_time() - before[1]
    served = cpu_seconds(sandbox) - before[2]
    database = cpu_seconds(backend) - before[3]
    return f"wall {wall:5.2f} s, CPU sync {sync:4.2f} sandbox {served:4.2f} db {database:4.2f}"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(tmp)
        from django.db import connection as db

        from access.models import Account, AccountMapping

        process, base, keys = _start_sandbox(10, pd_incidents=10, users=SIZE)
        try:
            url, key = f"{base}/pagerduty/us", keys["pagerduty_us"]
            _, users = download(url, key)
            connection = _connection(base, key, list(users.values()))
            backend = None
            if db.vendor == "postgresql":
                with db.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    backend = cursor.fetchone()[0]
            for _ in range(int(os.environ.get("ROUNDS", "3"))):
                empty_tables(AccountMapping.history.model, AccountMapping, Account)
                print("(a)", measure(lambda: download(url, key), process.pid, backend))
                print("(b)", measure(lambda: read_accounts(connection), process.pid, backend))
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
