"""How a run that did not finish well is worded: what it stored first, in every place that says
it (issue 12, finding 7): "nothing was saved" only when it wrote nothing."""

from __future__ import annotations

from incidents.models import Incident
from integrations.models import SyncOutcome, run_summary
from tests.sync.conftest import World, run_sync
from tests.sync.test_streams import after_listing_page

FAILED, INTERRUPTED = "failed", "interrupted"


def test_a_failure_after_writes_says_what_it_stored() -> None:
    counts = {"incidents": {"fetched": 300, "updated": 115, "created": 3, "unchanged": 182}}
    assert run_summary(outcome=FAILED, counts=counts, error="OpsGenie is not answering.") == (
        "Updated 115 and created 3 incidents, then failed: OpsGenie is not answering."
    )


def test_every_stream_that_wrote_is_named_in_the_order_read() -> None:
    counts = {
        "services": {"fetched": 9, "created": 1, "deleted": 2},
        "incidents": {"fetched": 4000, "updated": 1200, "unchanged": 2800},
    }
    assert run_summary(outcome=FAILED, counts=counts, error="boom") == (
        "Created 1 service, marked 2 services deleted upstream, updated 1,200 incidents, "
        "then failed: boom"
    )


def test_only_a_run_that_wrote_nothing_says_nothing_was_saved() -> None:
    read_only = {"services": {"fetched": 9, "unchanged": 9}, "incidents": {"error": "down"}}
    assert run_summary(outcome=FAILED, counts=read_only, error="down") == (
        "Nothing was saved before it failed: down"
    )
    assert run_summary(outcome=FAILED, counts={}, error="down").startswith("Nothing was saved")


def test_an_interrupted_run_says_where_it_stopped_and_that_its_writes_are_kept() -> None:
    counts = {"incidents": {"fetched": 2300, "updated": 115, "created": 3}}
    assert run_summary(outcome=INTERRUPTED, counts=counts, error="") == (
        "Stopped unexpectedly at 2,300 fetched; what it stored is kept "
        "(updated 115 and created 3 incidents)."
    )
    nothing = {"incidents": {"fetched": 100, "unchanged": 100}}
    assert run_summary(outcome=INTERRUPTED, counts=nothing, error="") == (
        "Stopped unexpectedly at 100 fetched; it had stored nothing yet."
    )


def test_other_outcomes_keep_their_own_error() -> None:
    counts = {"incidents": {"created": 5}}
    assert run_summary(outcome="partial", counts=counts, error="Services failed") == (
        "Services failed"
    )
    assert run_summary(outcome="succeeded", counts=counts, error="") == ""


def test_a_failure_after_stored_pages_says_exactly_what_it_stored(
    world: World, monkeypatch, admin_client
) -> None:  # type: ignore[no-untyped-def]
    run_sync(world.connection)
    before = dict(Incident.objects.values_list("upstream_id", "content_hash"))
    world.advance(changed_fraction=1.0, new=0, deleted=0, people=0, seed=4)
    outage = lambda: world.upstream.faults.set(server_errors=1000, server_error_status=503)  # noqa: E731
    after_listing_page(monkeypatch, 2, outage)  # page 3 fails, after its retries
    failed = run_sync(world.connection, full=True)
    assert failed.outcome == SyncOutcome.FAILED
    after = dict(Incident.objects.values_list("upstream_id", "content_hash"))
    updated = sum(1 for i, digest in after.items() if before.get(i, digest) != digest)
    assert set(after) == set(before) and 0 < updated < len(before)  # two pages of three
    expected = f"Updated {updated} incidents, then failed: {failed.error}"
    assert failed.summary == expected
    page = admin_client.get(f"/settings/integrations/{world.provider}/").content.decode()
    assert expected in page  # the card and the history both
    assert "Nothing was saved" not in page
