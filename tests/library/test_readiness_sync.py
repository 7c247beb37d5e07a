"""The readiness checks on the OpsGenie sandbox's configuration: the four failures it ships
appear after a sync with their wording and links, an unchanged resync writes no history, and a
key without Configuration access leaves every service listed as cannot judge, not passed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from checks.models import CheckState, CheckStatusChange, FailingItem
from integrations.models import Connection, ProviderService
from integrations.providers.opsgenie.sandbox.store import OpsGenieStore
from integrations.sandbox.server import SandboxServer
from integrations.sync.engine import sync_connection
from library.models import LibraryObject
from library.readiness_checks import GAPS_KEY, HEARTBEATS_KEY, PATHS_KEY, SECOND_KEY
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(settings) -> Iterator[SandboxServer]:  # type: ignore[no-untyped-def]
    """The emulator on today's clock: the checks judge the next 14 days from now."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    server = SandboxServer(seed=11, incidents=5, users=12, now=now, alerts=0).start()
    settings.OPSGENIE_BASE_URLS = {region: server.opsgenie_url(region) for region in ("us", "eu")}
    settings.UPSTREAM_TIMEOUT_SECONDS = 2
    yield server
    server.stop()


def run_sync(connection: Connection) -> None:
    sync_connection(connection_id=connection.pk, trigger="manual", full=False, sleep=lambda s: 0)


def items(key: str) -> dict[str, FailingItem]:
    return {item.label: item for item in FailingItem.objects.filter(check_key=key)}


def record(kind: str, name: str) -> str:
    row = LibraryObject.objects.get(kind=kind, name=name)
    return reverse("library:detail", args=[kind, row.pk])


def when(iso: str) -> str:
    return f"{datetime.fromisoformat(iso.replace('Z', '+00:00')):%d %b %Y %H:%M} UTC"


def test_the_sandbox_s_four_shipped_failures(live: SandboxServer) -> None:
    store: OpsGenieStore = live.opsgenie_stores["us"]
    run_sync(make_connection(api_key=live.keys.opsgenie_us))

    paths = items(PATHS_KEY)
    assert list(paths) == ["Kundenportal (service)"]
    assert paths["Kundenportal (service)"].url == record("teams", "Équipe Support")
    assert "Add an escalation to team Équipe Support in OpsGenie." in (
        paths["Kundenportal (service)"].reason
    )

    data = next(s for s in store.configuration.schedules if s["ownerTeam"]["name"] == "Data")
    first, second = data["rotations"]
    gap = items(GAPS_KEY)
    assert len(gap) == 1
    (item,) = gap.values()
    assert item.label.startswith("Data on call: ")
    assert item.url == record("on_calls", "Data on call")
    assert item.reason.startswith(
        f"Nobody is on call from {when(first['endDate'])} to {when(second['startDate'])}."
    )
    assert "Add a rotation or an override to schedule Data on call in OpsGenie" in item.reason

    mobile = next(e for e in store.configuration.escalations if e["name"] == "Mobile_escalation")
    single = items(SECOND_KEY)
    assert list(single) == ["Mobile_escalation"]
    assert single["Mobile_escalation"].url == record("escalations", "Mobile_escalation")
    assert single["Mobile_escalation"].reason.startswith(
        f"It notifies only {mobile['rules'][0]['recipient']['username']}, with no repeat"
    )

    beats = items(HEARTBEATS_KEY)
    assert set(beats) == {"nightly-backups", "edge-cdn-probe"}
    assert beats["nightly-backups"].reason.startswith("Expired")
    assert beats["edge-cdn-probe"].reason.startswith("Disabled")
    assert beats["edge-cdn-probe"].url == record("heartbeats", "edge-cdn-probe")
    states = CheckState.objects.filter(key__in=[PATHS_KEY, GAPS_KEY, SECOND_KEY, HEARTBEATS_KEY])
    assert {state.status for state in states} == {"failing"}


def test_an_unchanged_resync_writes_no_history_and_changes_no_item(live: SandboxServer) -> None:
    connection = make_connection(api_key=live.keys.opsgenie_us)
    run_sync(connection)
    history = CheckStatusChange.objects.count()
    before = set(FailingItem.objects.values_list("pk", "item_key", "reason", "failing_since"))

    run_sync(connection)

    assert CheckStatusChange.objects.count() == history
    assert set(FailingItem.objects.values_list("pk", "item_key", "reason", "failing_since")) == (
        before
    )


def test_services_synced_with_their_team_and_a_resync_rewrites_none(live: SandboxServer) -> None:
    connection = make_connection(api_key=live.keys.opsgenie_us)
    run_sync(connection)
    teams = {s["id"]: s["teamId"] for s in live.opsgenie_stores["us"].dataset.services}
    stored = dict(ProviderService.objects.values_list("upstream_id", "team_id"))
    synced = dict(ProviderService.objects.values_list("upstream_id", "synced_at"))
    run_sync(connection)
    assert stored == teams
    assert dict(ProviderService.objects.values_list("upstream_id", "synced_at")) == synced


def test_a_key_without_configuration_access_cannot_judge_instead_of_passing(
    live: SandboxServer,
) -> None:
    run_sync(make_connection(api_key=live.keys.opsgenie_incidents_only))

    for key in (PATHS_KEY, GAPS_KEY, SECOND_KEY, HEARTBEATS_KEY):
        state = CheckState.objects.get(key=key)
        reasons = [item.reason for item in FailingItem.objects.filter(check_key=key)]
        assert state.status == "failing", key
        assert reasons and all(r.startswith("Cannot judge: ") for r in reasons), key
        assert all("the credentials may not read" in r for r in reasons), (key, reasons)
