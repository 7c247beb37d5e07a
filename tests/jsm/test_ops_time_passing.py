"""Time passing in the JSM sandbox's Operations data reaches the product, as the OpsGenie one
does: after an emulated hour in which a heartbeat stops, a schedule gets a gap and an escalation
is cut down to one person, a resync lists each as a new failing item of its readiness check
(what changed is read from the emulator's own summary of the hour); the hour's acknowledged,
closed and new alerts are synced too."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.urls import reverse

from alerts.models import Alert
from checks.models import CheckState, FailingItem
from integrations.providers.jsm.ops_mapping import ESCALATIONS, HEARTBEATS, ON_CALLS
from integrations.sandbox import config_passing
from integrations.sandbox.server import SandboxServer
from library.models import LibraryObject
from library.readiness_checks import GAPS_KEY, HEARTBEATS_KEY, SECOND_KEY
from tests.jsm.conftest import connect, run_sync

pytestmark = pytest.mark.django_db


def items(key: str) -> dict[str, FailingItem]:
    return {item.label: item for item in FailingItem.objects.filter(check_key=key)}


def detail(kind: str, name: str) -> str:
    row = LibraryObject.objects.get(kind=kind, name=name)
    return reverse("library:detail", args=[kind, row.pk])


def parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def when(iso: str) -> str:
    return f"{parse(iso):%d %b %Y %H:%M} UTC"


def test_an_hour_expires_a_heartbeat_opens_a_gap_and_cuts_an_escalation_down(
    live: SandboxServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(config_passing, "TRIM_CHANCE", 1.0)  # this hour, surely
    connection = connect(live)
    assert run_sync(connection).outcome == "succeeded"
    beats_before, gaps_before = items(HEARTBEATS_KEY), items(GAPS_KEY)
    assert set(beats_before) == {"nightly-backups", "edge-cdn-probe"}
    assert len(gaps_before) == 1  # the Data schedule's shipped gap
    assert set(items(SECOND_KEY)) == {"Mobile_escalation"}

    summary = live.advance(provider="jsm", region="cloud", seed=5)
    changed = summary["configuration"]
    assert run_sync(connection).outcome == "succeeded"

    (stopped,) = changed["heartbeats_stopped"]
    beats = items(HEARTBEATS_KEY)
    assert set(beats) == {"nightly-backups", "edge-cdn-probe", stopped}
    assert beats[stopped].reason.startswith("Expired")
    assert beats[stopped].url == detail(HEARTBEATS, stopped)
    # What failed before is the same item, not a new one.
    assert beats["nightly-backups"].pk == beats_before["nightly-backups"].pk

    (gap,) = changed["schedule_gaps"]
    ops = live.jsm_ops
    name = next(s["name"] for s in ops.schedules if s["id"] == gap["schedule"])
    new = f"{name}: {parse(gap['from']):%d %b %H:%M} – {parse(gap['to']):%d %b %H:%M} UTC"
    gaps = items(GAPS_KEY)
    assert set(gaps) == set(gaps_before) | {new}
    assert gaps[new].reason.startswith(
        f"Nobody is on call from {when(gap['from'])} to {when(gap['to'])}."
    )
    assert gaps[new].url == detail(ON_CALLS, name)

    (trimmed,) = changed["escalations_trimmed"]
    escalation = next(e for es in ops.escalations.values() for e in es if e["id"] == trimmed)
    person = escalation["rules"][0]["recipient"]["id"]
    only = next(p["name"] for p in ops.people if p["accountId"] == person)
    single = items(SECOND_KEY)
    assert set(single) == {"Mobile_escalation", escalation["name"]}
    assert single[escalation["name"]].reason.startswith(f"It notifies only {only}, with no repeat")
    assert single[escalation["name"]].url == detail(ESCALATIONS, escalation["name"])
    keys = [GAPS_KEY, HEARTBEATS_KEY, SECOND_KEY]
    assert {s.status for s in CheckState.objects.filter(key__in=keys)} == {"failing"}


def test_an_hour_acknowledges_closes_and_raises_alerts(live: SandboxServer) -> None:
    connection = connect(live)
    run_sync(connection)

    changed = live.advance(provider="jsm", region="cloud", seed=5)["alerts"]
    run_sync(connection)

    stored = {a.upstream_id: a for a in Alert.objects.filter(connection=connection)}
    assert set(stored) == {a["id"] for a in live.jsm_store.alerts()}
    assert changed["created"] and all(stored[i].status == "open" for i in changed["created"])
    (acknowledged,) = changed["acknowledged"]
    (closed,) = changed["closed"]
    assert stored[acknowledged].acknowledged and stored[acknowledged].status == "open"
    assert stored[closed].status == "closed"
