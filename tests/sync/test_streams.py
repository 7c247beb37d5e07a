"""Declared streams (issue 9 points 2–4), against both emulators: a listing scanned while
incidents are deleted and created still yields every one that existed throughout, exactly
once; an auxiliary stream's failure is that stream's; a failed full scan resumes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from incidents.models import Incident
from integrations.http import ErrorKind, UpstreamError, UpstreamSession
from integrations.models import SyncKind, SyncOutcome
from tests.sync.conftest import World, run_sync

PAGE = 100


def upstream_store(world: World) -> Any:
    return getattr(world.upstream, f"{world.provider}_stores")["us"]


def created_key(world: World) -> str:
    return "createdAt" if world.provider == "opsgenie" else "created_at"


def upstream_ids_oldest_first(world: World) -> list[str]:
    key = created_key(world)
    rows = sorted(upstream_store(world).incidents(), key=lambda r: (r[key], r["id"]))
    return [row["id"] for row in rows]


def delete_upstream(world: World, doomed: set[str]) -> None:
    upstream_store(world).remove(doomed)


def after_listing_page(monkeypatch, number: int, action: Callable[[], None]) -> list[dict]:  # type: ignore[no-untyped-def]
    """Run ``action`` right after the ``number``-th incidents listing page is answered."""
    asked: list[dict] = []
    real_get = UpstreamSession.get_json

    def get_json(self, url, params=None, **kwargs):  # type: ignore[no-untyped-def]
        answer = real_get(self, url, params, **kwargs)
        if url.endswith("/incidents"):
            asked.append(dict(params or {}))
            if len(asked) == number:
                action()
        return answer

    monkeypatch.setattr(UpstreamSession, "get_json", get_json)
    return asked


@pytest.mark.parametrize("position", ["before", "at", "after"])
def test_a_scan_skips_no_incident_when_others_are_deleted_and_created_mid_scan(
    world: World, monkeypatch, position: str
) -> None:  # type: ignore[no-untyped-def]
    ordered = upstream_ids_oldest_first(world)
    # Deleted between the first and the second page: on page one before its last incident, the
    # incident at the boundary itself, or one on a later page.
    index = {"before": 40, "at": PAGE - 1, "after": PAGE + 30}[position]
    doomed = {ordered[index], ordered[index + 1]}
    created: list[str] = []

    def time_passes() -> None:
        delete_upstream(world, doomed)
        summary = world.advance(changed_fraction=0.0, new=3, deleted=0, seed=8)
        created.extend(summary["created"])

    after_listing_page(monkeypatch, 1, time_passes)
    run = run_sync(world.connection)  # one first (full) sync, nothing run after it
    assert run.outcome == SyncOutcome.SUCCEEDED
    stored = list(Incident.objects.values_list("upstream_id", flat=True))
    assert len(stored) == len(set(stored))  # nothing twice
    survivors = set(ordered) - doomed
    assert survivors <= set(stored)  # every incident that existed throughout was read
    assert set(created) <= set(stored)  # and those created mid-scan (they sort last)
    assert set(stored) - survivors - set(created) <= doomed


@pytest.mark.parametrize(
    "failure",
    [
        UpstreamError(ErrorKind.HTTP, status=404, message="Not found"),
        UpstreamError(ErrorKind.HTTP, status=422, message="Unprocessable"),
        UpstreamError(ErrorKind.UNAVAILABLE, status=503, message="down", attempts=5),
        UpstreamError(ErrorKind.MALFORMED, status=200, message="the answer is not valid JSON"),
    ],
    ids=["404", "422", "5xx", "malformed"],
)
def test_a_failing_services_listing_does_not_hold_back_the_incidents(
    world: World, monkeypatch, admin_client, failure: UpstreamError
) -> None:  # type: ignore[no-untyped-def]
    real_get = UpstreamSession.get_json

    def get_json(self, url, params=None, **kwargs):  # type: ignore[no-untyped-def]
        if url.endswith("/services"):
            raise failure
        return real_get(self, url, params, **kwargs)

    monkeypatch.setattr(UpstreamSession, "get_json", get_json)
    run = run_sync(world.connection)
    assert run.outcome == SyncOutcome.PARTIAL
    assert run.counts["services"]["error"] and "Services could not be read" in run.error
    assert run.counts["incidents"]["created"] == len(upstream_store(world).incidents())
    world.assert_equals_upstream()
    world.connection.refresh_from_db()
    assert world.connection.status == "connected"  # incidents decide, and they were read
    page = admin_client.get(f"/settings/integrations/{world.provider}/").content.decode()
    assert "Partial" in page and "Services: failed (" in page


def test_a_failed_full_scan_keeps_its_pages_and_the_next_run_resumes_it(
    world: World, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    total = len(upstream_store(world).incidents())
    outage = lambda: world.upstream.faults.set(server_errors=1000, server_error_status=503)  # noqa: E731
    asked = after_listing_page(monkeypatch, 2, outage)
    failed = run_sync(world.connection)
    assert failed.outcome == SyncOutcome.FAILED and failed.kind == SyncKind.FULL
    kept = Incident.objects.count()
    assert kept >= PAGE  # the pages stored before the outage stay stored
    cursor = failed.counts["incidents"]["cursor"]

    world.upstream.faults.clear()
    asked.clear()
    resumed = run_sync(world.connection)  # the next scheduled run, not a full one
    assert resumed.outcome == SyncOutcome.SUCCEEDED and resumed.kind == SyncKind.FULL
    assert resumed.counts["incidents"]["resumed_from"] == cursor
    assert "cursor" not in resumed.counts["incidents"]  # a whole scan leaves nothing to resume
    # It read on from where the scan stopped, not everything again.
    assert resumed.counts["incidents"]["fetched"] < total
    world.assert_equals_upstream()
    assert Incident.objects.count() == total
    # The run after it is an ordinary incremental one.
    assert run_sync(world.connection).kind == SyncKind.INCREMENTAL
