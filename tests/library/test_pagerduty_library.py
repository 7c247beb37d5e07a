"""PagerDuty's on-call configuration in the Data library, synced from the sandbox: the three
failures it ships appear in the readiness checks with links to the records, an unchanged resync
writes nothing, and the records' pages link their relations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from checks.models import FailingItem
from integrations.models import Connection, SyncRun
from integrations.providers.pagerduty.config_mapping import POLICIES, SCHEDULES
from integrations.sandbox.server import SandboxServer
from integrations.sync.engine import sync_connection
from library.models import LibraryObject
from library.readiness_checks import GAPS_KEY, PATHS_KEY, SECOND_KEY
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db
STREAMS = (
    "pagerduty_teams",
    "escalation_policies",
    "pagerduty_schedules",
    "pagerduty_on_calls",
    "business_services",
)


@pytest.fixture
def live(settings) -> Iterator[SandboxServer]:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    server = SandboxServer(seed=11, incidents=5, users=12, now=now, pagerduty_incidents=5)
    server.start()
    settings.PAGERDUTY_BASE_URLS = {r: server.pagerduty_url(r) for r in ("us", "eu")}
    settings.UPSTREAM_TIMEOUT_SECONDS = 2
    yield server
    server.stop()


def run_sync(connection: Connection) -> SyncRun:
    return sync_connection(
        connection_id=connection.pk, trigger="manual", full=False, sleep=lambda s: 0
    )


def labels(key: str) -> dict[str, FailingItem]:
    return {item.label: item for item in FailingItem.objects.filter(check_key=key)}


def url_of(kind: str, name: str) -> str:
    row = LibraryObject.objects.get(kind=kind, name=name)
    return reverse("library:detail", args=[kind, row.pk])


def test_the_sandbox_s_three_pagerduty_failures(live: SandboxServer, client, admin_user) -> None:  # type: ignore[no-untyped-def]
    run_sync(make_connection(provider="pagerduty", api_key=live.keys.pagerduty_us))

    paths = labels(PATHS_KEY)
    assert list(paths) == ["Mobile backend (service)"]
    assert paths["Mobile backend (service)"].url == url_of(POLICIES, "Mobile escalation")
    assert "add a user or a schedule as a target of a rule of Mobile escalation" in (
        paths["Mobile backend (service)"].reason
    )

    second = labels(SECOND_KEY)
    assert set(second) == {"Data escalation", "Mobile escalation"}
    assert "num_loops 0" in second["Data escalation"].reason
    assert second["Data escalation"].url == url_of(POLICIES, "Data escalation")

    day0 = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    lower, upper = day0 + timedelta(days=4, hours=9), day0 + timedelta(days=5, hours=9)
    gap = f"Platform primary: {lower:%d %b %H:%M} – {upper:%d %b %H:%M} UTC"
    assert list(labels(GAPS_KEY)) == [gap]  # the unused "Holiday cover" gap fails nothing
    assert "in PagerDuty covering that time" in labels(GAPS_KEY)[gap].reason

    client.force_login(admin_user)
    policy = client.get(url_of(POLICIES, "Platform escalation"))
    assert policy.status_code == 200
    assert url_of(SCHEDULES, "Platform primary") in policy.content.decode()


def test_an_unchanged_resync_writes_nothing_and_a_removal_is_flagged(live: SandboxServer) -> None:
    connection = make_connection(provider="pagerduty", api_key=live.keys.pagerduty_us)
    first = run_sync(connection)
    assert {name: first.counts[name]["created"] for name in STREAMS} == {
        "pagerduty_teams": 7,
        "escalation_policies": 7,
        "pagerduty_schedules": 5,
        "pagerduty_on_calls": 5,
        "business_services": 3,
    }

    again = run_sync(connection)

    for name in STREAMS:
        counts = again.counts[name]
        assert (counts["created"], counts["updated"], counts["deleted"]) == (0, 0, 0), name

    store = live.pagerduty_stores["us"]
    with store.lock:
        store.dataset.teams = [t for t in store.dataset.teams if t["name"] != "Mobile"]
    third = run_sync(connection)
    assert third.counts["pagerduty_teams"]["deleted"] == 1
    assert LibraryObject.objects.get(kind="pagerduty_teams", name="Mobile").removed_upstream
