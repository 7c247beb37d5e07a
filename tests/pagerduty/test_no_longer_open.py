"""The incremental sync's read of incidents we hold open that the open listing left out."""

from __future__ import annotations

from integrations.http import CallStats
from integrations.providers.pagerduty.client import PagerDutyClient
from integrations.providers.pagerduty.source import PagerDutyIncidentSource


def _source(upstream) -> tuple[PagerDutyIncidentSource, CallStats]:  # type: ignore[no-untyped-def]
    client = PagerDutyClient(region="us", api_key=upstream.keys.pagerduty_us)
    client.session.stats = CallStats()
    return PagerDutyIncidentSource(client), client.session.stats


def _resolved_newest_first(upstream) -> list[str]:  # type: ignore[no-untyped-def]
    resolved = [i for i in upstream.pagerduty_stores["us"].incidents() if i["resolved_at"]]
    resolved.sort(key=lambda i: (i["resolved_at"], i["incident_number"]), reverse=True)
    return [i["id"] for i in resolved]


def test_recently_resolved_ones_come_from_one_listing_page(upstream, settings) -> None:  # type: ignore[no-untyped-def]
    source, stats = _source(upstream)
    wanted = _resolved_newest_first(upstream)[:40:4] + ["QGONE00000001"]
    got = [r.upstream_id for page in source.no_longer_open(wanted) for r in page]
    assert sorted(got) == sorted(wanted[:-1])
    # One page finds them all; one missing id is not worth another page: one GET, the 404.
    assert stats.calls == 2


def test_ids_the_listing_cannot_find_cost_at_most_half_again_their_gets(upstream, settings) -> None:  # type: ignore[no-untyped-def]
    source, stats = _source(upstream)
    oldest = _resolved_newest_first(upstream)[-6:]
    got = [r.upstream_id for page in source.no_longer_open(oldest) for r in page]
    assert sorted(got) == sorted(oldest)
    assert stats.calls <= 6 + 3


def test_a_few_ids_are_read_one_by_one(upstream, settings) -> None:  # type: ignore[no-untyped-def]
    source, stats = _source(upstream)
    two = _resolved_newest_first(upstream)[:2]
    assert [r.upstream_id for page in source.no_longer_open(two) for r in page] == two
    assert stats.calls == 2
