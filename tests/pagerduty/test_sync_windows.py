"""More incidents than PagerDuty's 10,000 offset cap, through the engine (reference §5.1):
keyset paging never needs an offset past the first page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.http import UpstreamSession
from integrations.models import SyncOutcome
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
    real_get = UpstreamSession.get_json

    def get(self, url, params=None, **kwargs):  # type: ignore[no-untyped-def]
        if url.endswith("/incidents"):
            calls.append(dict(params or {}))
        return real_get(self, url, params, **kwargs)

    monkeypatch.setattr(UpstreamSession, "get_json", get)
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED and run.retries == 0
    assert run.counts["incidents"]["created"] == INCIDENTS
    assert_store_equals_upstream(big_upstream, connection)
    # Keyset: every page starts at offset 0 from the last created_at seen, in windows.
    assert calls[0]["date_range"] == "all" and calls[0]["offset"] == 0
    assert all(r["offset"] == 0 and "since" in r and "until" in r for r in calls[1:])
    # About one call per hundred incidents: the boundary read again costs little.
    assert len(calls) <= INCIDENTS // 100 * 1.1
