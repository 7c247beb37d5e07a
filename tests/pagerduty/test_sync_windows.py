"""More incidents than PagerDuty's 10,000 offset cap, through the engine (reference §5.1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.models import SyncOutcome
from integrations.providers.pagerduty.client import PagerDutyClient
from integrations.sandbox.server import SandboxServer
from tests.conftest import make_connection
from tests.pagerduty.conftest import assert_store_equals_upstream, point_at
from tests.sync.conftest import run_sync

INCIDENTS = 10_500


@pytest.fixture(scope="module")
def big_upstream() -> Iterator[SandboxServer]:
    """Built once (under a second); the test only reads it."""
    server = SandboxServer(seed=3, incidents=5, users=5, pagerduty_incidents=INCIDENTS).start()
    yield server
    server.stop()


def test_a_full_sync_past_the_offset_cap_goes_on_in_time_windows(
    big_upstream, settings, db, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    point_at(big_upstream, settings)
    settings.UPSTREAM_TIMEOUT_SECONDS = 10
    connection = make_connection(provider="pagerduty", api_key=big_upstream.keys.pagerduty_us)
    calls: list[dict] = []
    real_get = PagerDutyClient.get

    def get(self, path, params=None):  # type: ignore[no-untyped-def]
        if path == "/incidents":
            calls.append(dict(params or {}))
        return real_get(self, path, params)

    monkeypatch.setattr(PagerDutyClient, "get", get)
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED and run.retries == 0
    assert run.counts["incidents"]["created"] == INCIDENTS
    assert_store_equals_upstream(big_upstream, connection)
    # Offsets stayed under the cap: the first listing ran to it, then windows took over.
    assert max(r["offset"] + r["limit"] for r in calls) <= 10_000
    windows = [r for r in calls if "since" in r]
    assert calls[99]["offset"] == 9_900 and "since" not in calls[99]
    assert windows and windows[0]["offset"] == 0 and "date_range" not in windows[0]
    assert len(calls) == 100 + len(windows)
