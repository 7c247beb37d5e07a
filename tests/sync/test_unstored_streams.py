"""A stream no installed app stores is not read: a provider may declare streams (accounts) whose
domain app is not installed in every deployment or test settings."""

from __future__ import annotations

from collections.abc import Iterator

from integrations.models import SyncOutcome
from integrations.providers.opsgenie.source import OpsgenieSource
from integrations.sync.stores import STORES
from integrations.sync.streams import Stream, snapshot
from library.kinds import KINDS
from tests.sync.conftest import assert_store_equals_upstream, run_sync


def _never_read() -> Iterator[list[object]]:
    raise AssertionError("a stream without a store was read")


def test_a_stream_without_a_registered_store_is_skipped_silently(
    upstream, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    declared = OpsgenieSource.streams

    def streams(self: OpsgenieSource) -> list[Stream]:
        return [*declared(self), snapshot("widgets", _never_read)]

    monkeypatch.setattr(OpsgenieSource, "streams", streams)
    assert "widgets" not in STORES
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED
    # The library app's configuration kinds are OpsGenie streams with stores too.
    assert set(run.counts) == {"services", "incidents", "alerts", "alert_details", *KINDS}
    # The services once, then 250 incidents at 100 a page, then the alerts and their details:
    # nothing for widgets.
    streams = ("services", "incidents", "alerts", "alert_details", *KINDS)
    assert run.http_calls == sum(run.counts[name]["http_calls"] for name in streams)
    assert run.counts["services"]["http_calls"] + run.counts["incidents"]["http_calls"] == 4
    assert_store_equals_upstream(upstream, connection)
