from __future__ import annotations

from django.core.paginator import Page, Paginator

from integrations.models import Connection, SyncOutcome, SyncRun

RUNS_PER_PAGE = 20


def sync_runs_page(*, connection: Connection, page: str | int | None) -> Page:
    runs = SyncRun.objects.filter(connection=connection).order_by("-started_at", "-id")
    return Paginator(runs, RUNS_PER_PAGE).get_page(page)


def sync_latest(*, connection: Connection) -> SyncRun | None:
    return SyncRun.objects.filter(connection=connection).order_by("-started_at", "-id").first()


def sync_last_success(*, connection: Connection) -> SyncRun | None:
    return (
        SyncRun.objects.filter(connection=connection, outcome=SyncOutcome.SUCCEEDED)
        .order_by("-finished_at")
        .first()
    )


def interval_choices() -> list[tuple[int, str]]:
    hours = [(h * 60, "Every hour" if h == 1 else f"Every {h} hours") for h in range(1, 25)]
    return [(30, "Every 30 minutes"), *hours]
