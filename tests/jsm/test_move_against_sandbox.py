"""The move end to end against the sandbox: the JSM site continues the OpsGenie account's
history (its first work items carry the tiny ids of OpsGenie's newest incidents); after the
move every incident is still stored, and those both record are counted once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from checks.engine import evaluate
from checks.models import CheckState
from incidents.checks import CLOSED_KEY
from incidents.models import Incident, IncidentStatus
from incidents.moves import move_counts
from integrations.connect import key_connect
from integrations.moves import connection_move
from integrations.providers.registry import get_provider
from integrations.sync.engine import sync_connection

from .conftest import connect, run_sync

pytestmark = pytest.mark.django_db(transaction=True)


def _open_counted() -> int:
    evaluate(reason="test", full=True)
    return CheckState.objects.get(key=CLOSED_KEY).failing_count


def _both_synced(upstream, settings):  # type: ignore[no-untyped-def]
    """The sandbox's OpsGenie US account (incidents alone) and its JSM site, each synced once."""
    settings.OPSGENIE_BASE_URLS = {r: upstream.opsgenie_url(r) for r in ("us", "eu")}
    opsgenie = key_connect(
        provider=get_provider("opsgenie"),
        api_key=upstream.keys.opsgenie_us,
        region="us",
        user=None,
        streams_off=[s.name for s in get_provider("opsgenie").optional_streams],
    )
    assert run_sync(opsgenie).outcome == "succeeded"
    jsm = connect(upstream)
    assert run_sync(jsm).outcome == "succeeded"
    return opsgenie, jsm


def test_moving_the_sandbox_account_counts_each_incident_once(upstream, settings) -> None:  # type: ignore[no-untyped-def]
    opsgenie, jsm = _both_synced(upstream, settings)
    og_held = Incident.objects.filter(connection=opsgenie).count()
    jsm_held = Incident.objects.filter(connection=jsm).count()
    before = Incident.objects.counted().count()
    open_before = _open_counted()
    assert before == og_held + jsm_held
    # The work items that carry a tiny id: each names one OpsGenie incident.
    carried = Incident.objects.filter(connection=jsm, external_refs__has_key="opsgenie_tiny_id")
    moved = carried.count()
    assert moved > 0
    named = [i.external_refs["opsgenie_tiny_id"] for i in carried]
    assert Incident.objects.filter(connection=opsgenie, number__in=named).count() == moved
    # An open OpsGenie record of one of them stops counting once JSM's record represents it.
    og_open = Incident.objects.filter(
        connection=opsgenie, number__in=named, status=IncidentStatus.OPEN
    ).count()

    connection_move(connection=opsgenie, successor=jsm, stop_on=timezone.localdate(), user=None)
    opsgenie.refresh_from_db()

    assert Incident.objects.filter(connection=opsgenie).count() == og_held  # nothing lost
    assert Incident.objects.counted().count() == before - moved
    assert _open_counted() == open_before - og_open
    counts = move_counts(opsgenie)
    assert (counts.predecessor_held, counts.successor_held, counts.matched) == (
        og_held,
        jsm_held,
        moved,
    )
    # The moved items were raised before the move day, the site's own since: none waits.
    assert counts.waiting == 0
    # The OpsGenie connection syncs no more; JSM goes on, and its next sync keeps the count.
    assert sync_connection(connection_id=opsgenie.pk, trigger="schedule") is None
    assert run_sync(jsm).outcome == "succeeded"
    assert Incident.objects.counted().count() == before - moved


def test_the_moved_work_items_are_faithful_copies_of_their_opsgenie_incidents(
    upstream, settings
) -> None:  # type: ignore[no-untyped-def]
    opsgenie, jsm = _both_synced(upstream, settings)
    originals = {i.number: i for i in Incident.objects.filter(connection=opsgenie)}
    carried = list(
        Incident.objects.filter(connection=jsm, external_refs__has_key="opsgenie_tiny_id")
    )
    assert carried

    for copy in carried:
        original = originals[copy.external_refs["opsgenie_tiny_id"]]
        assert copy.title == original.title, copy.number
        assert copy.created_at == original.created_at, copy.number
        # OpsGenie's open/resolved/closed as the work item's status name.
        assert copy.raw_status.lower() == original.raw_status, copy.number
        assert copy.priority == original.priority, copy.number
    # Moved on the move day: every work item raised on the site since is newer than them.
    newest_moved = max(copy.created_at for copy in carried)
    raised_since = Incident.objects.filter(connection=jsm).exclude(
        pk__in=[copy.pk for copy in carried]
    )
    assert raised_since.exists()
    assert all(i.created_at > newest_moved for i in raised_since)
