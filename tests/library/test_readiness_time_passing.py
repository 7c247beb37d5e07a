"""Time passing upstream reaches the readiness checks: after an emulated hour in which a
heartbeat stops being pinged, a schedule gets a gap and (OpsGenie) an escalation is cut down to
one person, a resync shows each as a new failing item (what changed is known from the
emulator's own account of the hour), and what failed before still fails."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from checks.models import CheckState, FailingItem
from integrations.models import Connection
from integrations.providers.opsgenie.sandbox.store import OpsGenieStore
from integrations.providers.pagerduty.config_mapping import ON_CALLS as PD_ON_CALLS
from integrations.sandbox import config_passing
from integrations.sandbox.server import SandboxServer
from integrations.sync.engine import sync_connection
from library.models import LibraryObject
from library.readiness_checks import GAPS_KEY, HEARTBEATS_KEY, SECOND_KEY
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(settings) -> Iterator[SandboxServer]:  # type: ignore[no-untyped-def]
    """Both emulators on today's clock: the checks judge the next 14 days from now."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    server = SandboxServer(
        seed=11, incidents=5, users=12, now=now, alerts=0, pagerduty_incidents=5
    ).start()
    settings.OPSGENIE_BASE_URLS = {region: server.opsgenie_url(region) for region in ("us", "eu")}
    settings.PAGERDUTY_BASE_URLS = {r: server.pagerduty_url(r) for r in ("us", "eu")}
    settings.UPSTREAM_TIMEOUT_SECONDS = 2
    yield server
    server.stop()


def run_sync(connection: Connection) -> None:
    sync_connection(connection_id=connection.pk, trigger="manual", full=False, sleep=lambda s: 0)


def items(key: str, source: str) -> dict[str, FailingItem]:
    rows = FailingItem.objects.filter(check_key=key)
    return {item.label: item for item in rows if f"in {source}" in item.reason}


def when(iso: str) -> str:
    return f"{parse(iso):%d %b %Y %H:%M} UTC"


def parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def label(schedule: str, lower: str, upper: str) -> str:
    return f"{schedule}: {parse(lower):%d %b %H:%M} – {parse(upper):%d %b %H:%M} UTC"


def detail(kind: str, name: str) -> str:
    row = LibraryObject.objects.get(kind=kind, name=name)
    return reverse("library:detail", args=[kind, row.pk])


def test_an_opsgenie_heartbeat_expires_a_gap_appears_and_an_escalation_is_cut_down(
    live: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config_passing, "TRIM_CHANCE", 1.0)  # this hour, surely
    store: OpsGenieStore = live.opsgenie_stores["us"]
    connection = make_connection(api_key=live.keys.opsgenie_us)
    run_sync(connection)
    beats_before = items(HEARTBEATS_KEY, "OpsGenie")
    gaps_before = items(GAPS_KEY, "OpsGenie")
    assert set(beats_before) == {"nightly-backups", "edge-cdn-probe"}
    assert len(gaps_before) == 1  # the Data schedule's shipped gap
    last_pings = {beat["name"]: beat["lastPingTime"] for beat in store.configuration.heartbeats}

    changed = live.advance(provider="opsgenie", region="us", seed=5)["configuration"]
    run_sync(connection)

    (stopped,) = changed["heartbeats_stopped"]
    assert stopped not in beats_before
    beats = items(HEARTBEATS_KEY, "OpsGenie")
    assert set(beats) == {"nightly-backups", "edge-cdn-probe", stopped}
    assert beats[stopped].reason.startswith(f"Expired (last ping {when(last_pings[stopped])})")
    assert beats[stopped].url == detail("heartbeats", stopped)
    # What failed before is the same item, not a new one.
    assert beats["nightly-backups"].pk == beats_before["nightly-backups"].pk

    (gap,) = changed["schedule_gaps"]
    name = next(s["name"] for s in store.configuration.schedules if s["id"] == gap["schedule"])
    new = label(name, gap["from"], gap["to"])
    gaps = items(GAPS_KEY, "OpsGenie")
    assert set(gaps) == set(gaps_before) | {new}
    assert gaps[new].reason.startswith(
        f"Nobody is on call from {when(gap['from'])} to {when(gap['to'])}."
    )
    assert gaps[new].url == detail("on_calls", name)

    (trimmed,) = changed["escalations_trimmed"]
    escalation = next(e for e in store.configuration.escalations if e["id"] == trimmed)
    only = escalation["rules"][0]["recipient"]["username"]
    single = items(SECOND_KEY, "OpsGenie")
    assert set(single) == {"Mobile_escalation", escalation["name"]}
    assert single[escalation["name"]].reason.startswith(f"It notifies only {only}, with no repeat")
    assert single[escalation["name"]].url == detail("escalations", escalation["name"])
    keys = [GAPS_KEY, HEARTBEATS_KEY, SECOND_KEY]
    assert {s.status for s in CheckState.objects.filter(key__in=keys)} == {"failing"}


def test_a_pagerduty_schedule_gap_appears(live: SandboxServer) -> None:
    connection = make_connection(provider="pagerduty", api_key=live.keys.pagerduty_us)
    run_sync(connection)
    before = items(GAPS_KEY, "PagerDuty")
    assert len(before) == 1  # "Platform primary", shipped

    changed = live.advance(provider="pagerduty", region="us", seed=5)["configuration"]
    run_sync(connection)

    (gap,) = changed["schedule_gaps"]
    schedule = LibraryObject.objects.get(kind=PD_ON_CALLS, upstream_id=gap["schedule"])
    new = label(schedule.name, gap["from"], gap["to"])
    after = items(GAPS_KEY, "PagerDuty")
    assert set(after) == set(before) | {new}
    assert after[new].reason.startswith(
        f"Nobody is on call from {when(gap['from'])} to {when(gap['to'])}."
    )
    assert after[new].url == reverse("library:detail", args=[PD_ON_CALLS, schedule.pk])
