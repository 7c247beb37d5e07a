"""The incident details stream of both providers against their emulators: notes that report
data loss flag the incident and fail the data-loss check, the bound across runs, a failure that
sends the incident to the back, and a stream switched off that is not read."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.utils import timezone

from checks.models import FailingItem
from incidents.checks import DATA_LOSS_KEY
from incidents.data_loss import find_mention
from incidents.entry_models import IncidentEntry
from incidents.models import Incident
from incidents.store import IncidentStore
from integrations.http import ErrorKind, UpstreamError
from integrations.models import Connection, SyncOutcome
from integrations.providers.opsgenie.incident_details import OpsgenieIncidentDetails
from integrations.providers.opsgenie.mapping import incident_record as opsgenie_record
from integrations.providers.pagerduty.mapping import incident_record as pagerduty_record
from integrations.sandbox.server import SandboxServer
from tests.incident_details.conftest import BOUND, INCIDENTS, run_sync

pytestmark = pytest.mark.django_db
PROVIDERS = ["opsgenie", "pagerduty"]


def upstream_notes(server: SandboxServer, provider: str, upstream_id: str) -> list[str]:
    """What the emulator's notes (and OpsGenie's timeline) say of one incident."""
    if provider == "pagerduty":
        headers = {"Authorization": f"Token token={server.keys.pagerduty_us}"}
        url = f"{server.pagerduty_url('us')}/incidents/{upstream_id}/notes"
        return [n["content"] for n in requests.get(url, headers=headers, timeout=5).json()["notes"]]
    headers = {"Authorization": f"GenieKey {server.keys.opsgenie_us}"}
    base = server.opsgenie_url("us")
    notes = requests.get(
        f"{base}/v1/incidents/{upstream_id}/notes",
        headers=headers,
        params={"limit": 100},
        timeout=5,
    ).json()["data"]
    timeline = requests.get(
        f"{base}/v2/incident-timelines/{upstream_id}/entries",
        headers=headers,
        params={"limit": 100},
        timeout=5,
    ).json()["data"]["entries"]
    return [n["note"] for n in notes] + [
        f"{e['title']['content']}: {e['description']['content']}" for e in timeline
    ]


def failing_data_loss() -> set[int]:
    return set(
        FailingItem.objects.filter(check_key=DATA_LOSS_KEY).values_list("item_id", flat=True)
    )


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_note_reporting_data_loss_flags_its_incident_and_the_check_fails_with_it(
    request, upstream, provider: str
) -> None:  # type: ignore[no-untyped-def]
    connection: Connection = request.getfixturevalue(provider)
    judged_later = 0
    for number in range(3):  # 30 incidents, 12 a run
        run = run_sync(connection)
        assert run.outcome == SyncOutcome.SUCCEEDED
        if number:  # a run that wrote no incident, only flagged some from their notes
            assert run.counts["incidents"]["created"] + run.counts["incidents"]["updated"] == 0
            judged_later += run.counts["incident_details"].get("judged", 0)
        # Evaluated after every run, also those that only read notes of the backlog.
        flagged = set(Incident.objects.exclude(data_loss_mention="").values_list("pk", flat=True))
        assert failing_data_loss() == flagged
    assert run.counts["incident_details"]["pending"] == 0
    assert judged_later > 0

    by_notes = {
        row.upstream_id: row
        for row in Incident.objects.filter(connection=connection)
        if not find_mention(row.title, row.description)
    }
    expected = {
        upstream_id: find_mention(*upstream_notes(upstream, provider, upstream_id))
        for upstream_id in by_notes
    }
    expected = {upstream_id: text for upstream_id, text in expected.items() if text}
    assert expected, "the emulator's seed gives some incidents a note reporting data loss"
    assert {
        upstream_id: row.data_loss_mention
        for upstream_id, row in by_notes.items()
        if row.data_loss_mention
    } == expected
    flagged_pks = {by_notes[upstream_id].pk for upstream_id in expected}
    assert flagged_pks <= failing_data_loss()
    reasons = FailingItem.objects.filter(check_key=DATA_LOSS_KEY, item_id__in=flagged_pks)
    assert all("reports data loss" in item.reason for item in reasons)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_resync_of_title_and_description_keeps_a_mention_found_in_notes(
    request, upstream, provider: str
) -> None:  # type: ignore[no-untyped-def]
    connection: Connection = request.getfixturevalue(provider)
    for _run in range(3):
        run_sync(connection)
    row = next(
        row
        for row in Incident.objects.filter(connection=connection).exclude(notes_mention="")
        if not find_mention(row.title, row.description)
    )
    if provider == "pagerduty":
        raw = upstream.pagerduty_stores["us"].incident(row.upstream_id)
        record = pagerduty_record(raw)
    else:
        raw = upstream.opsgenie_stores["us"].incident(row.upstream_id)
        record = opsgenie_record(raw, service_names={})
    changed = dataclasses.replace(record, title="Renamed upstream", description="Nothing to see")

    IncidentStore().save(connection=connection, records=[changed])

    row.refresh_from_db()
    assert row.title == "Renamed upstream"
    assert row.data_loss_mention == row.notes_mention != ""
    assert row.entries_wanted_at is not None  # changed: its notes are read again
    run_sync(connection)
    row.refresh_from_db()
    assert row.data_loss_mention == row.notes_mention != ""
    assert row.pk in failing_data_loss()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_bound_holds_oldest_first_and_the_next_runs_read_the_rest(
    request, upstream, provider: str, admin_client
) -> None:  # type: ignore[no-untyped-def]
    connection: Connection = request.getfixturevalue(provider)
    first = run_sync(connection).counts["incident_details"]

    assert (first["per_run"], first["pending"]) == (BOUND, INCIDENTS - BOUND)
    read = Incident.objects.filter(entries_read_at__isnull=False)
    assert set(read.values_list("id", flat=True)) == set(
        Incident.objects.order_by("id").values_list("id", flat=True)[:BOUND]
    )
    waiting = Incident.objects.filter(entries_read_at__isnull=True).first()
    page = admin_client.get(f"/incidents/{waiting.pk}/").content.decode()
    assert "Notes, log and timeline not read yet: pending" in page
    assert f"{INCIDENTS - BOUND} incidents waiting, at most {BOUND} read a sync" in page

    second = run_sync(connection).counts["incident_details"]
    third = run_sync(connection).counts["incident_details"]
    quiet = run_sync(connection).counts["incident_details"]

    assert (second["pending"], third["pending"]) == (INCIDENTS - 2 * BOUND, 0)
    assert (quiet["fetched"], quiet["http_calls"]) == (0, 0)
    assert not Incident.objects.filter(entries_read_at__isnull=True).exists()
    assert IncidentEntry.objects.filter(kind="log").values("incident").distinct().count() == (
        INCIDENTS
    )


def test_a_failing_incident_fails_only_its_stream_and_waits_at_the_back(
    upstream, opsgenie, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    read = OpsgenieIncidentDetails.__call__
    calls: list[str] = []

    def fail_on_the_first(self: OpsgenieIncidentDetails, upstream_id: str) -> Any:
        calls.append(upstream_id)
        if len(calls) == 1:
            raise UpstreamError(ErrorKind.MALFORMED, message="a note that is not JSON")
        return read(self, upstream_id)

    monkeypatch.setattr(OpsgenieIncidentDetails, "__call__", fail_on_the_first)
    started = timezone.now() - timedelta(seconds=1)
    run = run_sync(opsgenie)

    assert run.outcome == SyncOutcome.PARTIAL
    assert "Incident details could not be read" in run.error
    assert run.counts["incidents"]["created"] == INCIDENTS
    assert run.counts["incident_details"]["pending"] == INCIDENTS
    failed = Incident.objects.get(upstream_id=calls[0])
    assert failed.entries_wanted_at > started
    assert Incident.objects.order_by("entries_wanted_at", "id").last() == failed

    monkeypatch.setattr(OpsgenieIncidentDetails, "__call__", read)
    assert run_sync(opsgenie).counts["incident_details"]["pending"] == INCIDENTS - BOUND
    failed.refresh_from_db()
    assert failed.entries_read_at is None  # its turn comes after those that waited before it


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_stream_switched_off_is_not_read_and_the_page_says_so(
    request, upstream, provider: str, admin_client
) -> None:  # type: ignore[no-untyped-def]
    connection: Connection = request.getfixturevalue(provider)
    connection.streams_off = ["incident_details"]
    connection.save(update_fields=["streams_off"])

    run = run_sync(connection)

    assert run.outcome == SyncOutcome.SUCCEEDED and "incident_details" not in run.counts
    assert not IncidentEntry.objects.exists()
    incident = Incident.objects.filter(connection=connection).first()
    page = admin_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Reading incident notes and logs is switched off for this connection" in page
