from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.utils import timezone

from integrations.models import Connection, SyncOutcome, SyncRun
from integrations.sync.counts import HeldCount, held_counts

RUNS_PER_PAGE = 20
# After "Sync now", keep polling this long for the worker to pick the task up.
QUEUE_GRACE_SECONDS = 120


def sync_runs_page(*, connection: Connection, page: str | int | None) -> Page:
    runs = SyncRun.objects.filter(connection=connection).order_by("-started_at", "-id")
    return Paginator(runs, RUNS_PER_PAGE).get_page(page)


def sync_latest(*, connection: Connection) -> SyncRun | None:
    return SyncRun.objects.filter(connection=connection).order_by("-started_at", "-id").first()


def sync_running(*, connection: Connection) -> SyncRun | None:
    """The connection's running run, if any (a dead one counts until it is marked interrupted:
    integrations.sync.liveness.sync_interrupt_stale)."""
    return SyncRun.objects.filter(connection=connection, outcome=SyncOutcome.RUNNING).first()


def sync_last_success(*, connection: Connection) -> SyncRun | None:
    return (
        # A partial run read the incidents: the evidence is as current as after a success.
        SyncRun.objects.filter(
            connection=connection, outcome__in=(SyncOutcome.SUCCEEDED, SyncOutcome.PARTIAL)
        )
        .order_by("-finished_at")
        .first()
    )


def interval_choices() -> list[tuple[int, str]]:
    hours = [(h * 60, "Every hour" if h == 1 else f"Every {h} hours") for h in range(1, 25)]
    return [(30, "Every 30 minutes"), *hours]


@dataclass(frozen=True)
class SyncCard:
    """What the sync card shows, and whether it keeps polling (queued or running)."""

    latest_run: SyncRun | None
    last_success: SyncRun | None
    running: bool
    queued: bool
    held: list[HeldCount]  # what the connection holds, per stream, and how much counts

    @property
    def polling(self) -> bool:
        return self.running or self.queued


def sync_card(*, connection: Connection, requested_at: float | None) -> SyncCard:
    """``requested_at`` is when this browser last queued a sync (a POSIX timestamp): until a run
    starts after it, and for QUEUE_GRACE_SECONDS at most, the sync shows as queued."""
    latest = sync_latest(connection=connection)
    running = latest is not None and latest.outcome == SyncOutcome.RUNNING
    queued = (
        not running
        and requested_at is not None
        and (latest is None or latest.started_at.timestamp() < requested_at)
        and timezone.now().timestamp() - requested_at < QUEUE_GRACE_SECONDS
    )
    return SyncCard(
        latest_run=latest,
        last_success=sync_last_success(connection=connection),
        running=running,
        queued=queued,
        held=held_counts(connection=connection),
    )
