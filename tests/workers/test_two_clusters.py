"""Two worker processes (`manage.py qcluster`) on one PostgreSQL and one Redis, as two worker
machines run in production: the due schedules fire once, each connection syncs once, the checks
are evaluated once on their schedule and left right, and an export queued twice is built once.

Both clusters' schedulers are made to reach the due schedules at the same moment: the test
holds the rows' lock until both wait on it, then lets go. django-q2's scheduler takes them
with SELECT … FOR UPDATE; PostgreSQL lets one through and hands the other the rows as the first
left them (next run already moved on), so the second queues nothing.

Needs PostgreSQL (the test database) and Redis (REDIS_URL's server, or 127.0.0.1:6379; the
clusters use its database 14, the suite's CI leg uses 15); skipped otherwise.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.conf import settings
from django.db import connection as db
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule, Task

from checks.models import FailingItem
from checks.tasks import SCHEDULE_NAME as EVALUATION_SCHEDULE
from checks.tasks import TASK as EVALUATION_TASK
from checks.tasks import ensure_periodic_evaluation
from evidence.models import EvidenceExport, ExportStatus
from evidence.tasks import BUILD_TASK, CLEANUP_SCHEDULE, ensure_cleanup_schedule
from incidents.checks import CLOSED_KEY, DATA_LOSS_KEY
from integrations.models import SyncOutcome, SyncRun
from integrations.sandbox.server import SandboxServer
from integrations.tasks import sync_schedule_update
from lib.checks import REGISTRY
from tests.conftest import make_connection

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 14
# Bounds on every wait: the test fails with the clusters' logs rather than hang CI.
START_SECONDS = 45
WORK_SECONDS = 60
STOP_SECONDS = 20

pytestmark = [
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="two clusters share work through PostgreSQL's row locks: run the suite with "
        "DATABASE_URL=postgres://… (and Redis on REDIS_URL or 127.0.0.1:6379)",
    ),
    pytest.mark.django_db(transaction=True),
]


def redis_url() -> str:
    base = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379")
    return urlunsplit(base._replace(path=f"/{REDIS_DB}"))


def database_url() -> str:
    """The test database, as the subprocesses reach it (its real NAME, test_… included)."""
    s = db.settings_dict
    password = f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else ""
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{quote(s['USER'], safe='')}{password}@{host}{port}/{s['NAME']}"


@pytest.fixture
def queue() -> Iterator[tuple[redis.Redis, str]]:
    """This run's queue on the Redis the clusters use; skipped when Redis does not answer."""
    client = redis.Redis.from_url(redis_url(), socket_connect_timeout=2, socket_timeout=10)
    try:
        client.ping()
    except redis.RedisError as problem:
        pytest.skip(f"Redis does not answer at {redis_url()}: {problem}")
    name = f"evidencehub-test-{uuid.uuid4().hex[:10]}"
    yield client, name
    for key in client.scan_iter(f"django_q:{name}:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def upstream() -> Iterator[SandboxServer]:
    server = SandboxServer(seed=21, incidents=40, pagerduty_incidents=40, users=4).start()
    yield server
    server.stop()


class Clusters:
    """`manage.py qcluster` subprocesses, each logging to its own file."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        with (self.logs / f"{name}.log").open("wb") as log:
            self.processes[name] = subprocess.Popen(  # noqa: S603
                [sys.executable, "manage.py", "qcluster"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: its workers stop with it
            )

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def all_logs(self) -> str:
        return "\n".join(f"--- {name}\n{self.log(name)[-3000:]}" for name in self.processes)

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                pytest.fail(f"cluster {name} exited ({process.returncode})\n{self.all_logs()}")

    def stop(self) -> None:
        """SIGTERM (a cluster finishes the tasks it took and saves their results), then SIGKILL
        to whatever of its process group is left after STOP_SECONDS."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                # Not reaped yet, so its group is still the one this test started.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=STOP_SECONDS)


@pytest.fixture
def clusters(queue, upstream, tmp_path, settings) -> Iterator[Clusters]:  # type: ignore[no-untyped-def]
    _client, name = queue
    exports = tmp_path / "exports"
    settings.EVIDENCE_EXPORT_DIR = str(exports)
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("Q_")}
    env = {
        **inherited,
        **upstream.env(),
        "DJANGO_SETTINGS_MODULE": "tests.workers.cluster_settings",
        "EVIDENCEHUB_IGNORE_LOCAL_ENV": "1",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url(),
        "EVIDENCEHUB_TEST_QUEUE": name,
        "EVIDENCE_EXPORT_DIR": str(exports),
        "Q_WORKERS": "2",
        "LOG_LEVEL": "INFO",
    }
    running = Clusters(env, tmp_path)
    try:
        yield running
    finally:
        running.stop()


def wait_for(what: str, done: Callable[[], bool], seconds: float, clusters: Clusters) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        clusters.check_alive()
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds:.0f} s\n{clusters.all_logs()}")
        time.sleep(0.2)


def schedulers_waiting() -> int:
    """Backends of the test database waiting for a row lock on a django-q2 schedule."""
    with db.cursor() as cursor:
        # Asked from inside the transaction holding the lock: without this, PostgreSQL answers
        # from the snapshot of its first look.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            ["%django_q_schedule%"],
        )
        return int(cursor.fetchone()[0])


def test_two_clusters_share_the_work_and_do_none_twice(
    clusters, queue, upstream, auditor_user
) -> None:  # type: ignore[no-untyped-def]
    client, queue_name = queue
    past = timezone.now() - timedelta(minutes=5)
    connections = [
        make_connection(provider="opsgenie", api_key=upstream.keys.opsgenie_us),
        make_connection(provider="pagerduty", api_key=upstream.keys.pagerduty_us),
    ]
    for connection in connections:
        sync_schedule_update(connection=connection)
    ensure_periodic_evaluation()  # made by migrate; idempotent
    ensure_cleanup_schedule()
    sync_names = [f"sync:connection:{c.pk}" for c in connections]
    # Due now: each connection's sync, the hourly evaluation and the export cleanup. The rest
    # (the daily reconciliations, the notifications sweep) are not due during the test.
    Schedule.objects.update(next_run=timezone.now() + timedelta(hours=1))
    Schedule.objects.filter(name__in=[*sync_names, EVALUATION_SCHEDULE, CLEANUP_SCHEDULE]).update(
        next_run=past
    )
    # An export (as the page makes it), whose build is queued twice: by the clusters'
    # schedulers, so that it goes through their broker like every other task here.
    export = EvidenceExport.objects.create(
        period_start=timezone.localdate() - timedelta(days=30),
        period_end=timezone.localdate(),
        requested_by=auditor_user,
    )
    build_names = [f"test:build-export:{n}" for n in (1, 2)]
    for name in build_names:
        Schedule.objects.create(
            name=name, func=BUILD_TASK, args=repr((export.pk,)), next_run=past, repeats=-1
        )
    due = {*sync_names, EVALUATION_SCHEDULE, CLEANUP_SCHEDULE, *build_names}

    with transaction.atomic():
        held = list(Schedule.objects.select_for_update().filter(next_run__lt=timezone.now()))
        assert {s.name for s in held} == due
        clusters.start("first")
        clusters.start("second")
        wait_for(
            "both schedulers waiting on the due schedules",
            lambda: schedulers_waiting() == 2,
            START_SECONDS,
            clusters,
        )
    # Committed: the lock is released, both schedulers go at once.
    released = timezone.now()

    def finished() -> bool:
        runs = SyncRun.objects.exclude(outcome=SyncOutcome.RUNNING)
        export.refresh_from_db()
        return (
            runs.count() == len(connections)
            and export.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING)
            and Task.objects.filter(group__in=due).count() >= len(due)
        )

    wait_for("the due work done", finished, WORK_SECONDS, clusters)
    clusters.stop()  # both finish what they took and save its result first

    # Every due schedule fired once, whichever cluster's scheduler took it; nothing more was
    # queued (a second firing would have left a task in the queue or a second result).
    fired = Counter(Task.objects.values_list("group", flat=True))
    assert fired == Counter(due), f"tasks per schedule: {dict(fired)}\n{clusters.all_logs()}"
    assert client.llen(f"django_q:{queue_name}:q") == 0
    assert not Schedule.objects.filter(name__in=build_names).exists()  # once: deleted when fired
    for name in [*sync_names, EVALUATION_SCHEDULE, CLEANUP_SCHEDULE]:
        assert Schedule.objects.get(name=name).next_run > released  # moved on, by one of them

    # One sync per connection, each complete.
    for connection in connections:
        runs = SyncRun.objects.filter(connection=connection)
        assert [run.outcome for run in runs] == [SyncOutcome.SUCCEEDED], clusters.all_logs()
        assert connection.incidents.count() == runs.get().counts["incidents"]["created"] > 0

    # The evaluation ran once, and the checks say what the synced data says: evaluations of
    # the two syncs and of the schedule, on two machines at once, left no stale result.
    evaluations = Task.objects.filter(func=EVALUATION_TASK)
    assert [task.success for task in evaluations] == [True]
    now = timezone.now()
    for key in (CLOSED_KEY, DATA_LOSS_KEY):
        expected = {row.item_key for row in REGISTRY[key].failing(now)}
        stored = set(FailingItem.objects.filter(check_key=key).values_list("item_key", flat=True))
        assert stored == expected, key
    assert FailingItem.objects.filter(check_key=CLOSED_KEY).exists()

    # The export was built once: one build made the ZIP, the other found it taken.
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE, export.error
    assert export.path is not None and export.path.stat().st_size == export.size > 0
    results = sorted(str(task.result) for task in Task.objects.filter(func=BUILD_TASK))
    assert len(results) == 2
    assert results[0].startswith("done:") and results[1].startswith("skipped:"), results
    assert len(list(export.path.parent.iterdir())) == 1

    # Which cluster did what, for the record (either may take any task).
    for name in clusters.processes:
        processed = clusters.log(name).count("Processed")
        print(f"cluster {name}: {processed} tasks processed")
