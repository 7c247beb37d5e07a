"""A stream no installed app stores is not read: a provider may declare streams (accounts) whose
domain app is not installed in every deployment or test settings."""

from __future__ import annotations

from collections.abc import Iterator

from integrations.models import SyncOutcome
from integrations.providers.opsgenie.provider import PROVIDER as OPSGENIE
from integrations.providers.opsgenie.source import OpsgenieSource
from integrations.sync.stores import STORES
from integrations.sync.streams import Stream, snapshot
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
    # Every stream OpsGenie declares has a store (accounts are read for critical systems only).
    stored = {s.name for s in OPSGENIE.streams} - {"accounts"}
    assert set(run.counts) == stored
    # The services once, then 250 incidents at 100 a page, then the alerts and their details:
    # nothing for widgets.
    assert run.http_calls == sum(run.counts[name]["http_calls"] for name in stored)
    assert run.counts["services"]["http_calls"] + run.counts["incidents"]["http_calls"] == 4
    assert_store_equals_upstream(upstream, connection)
