"""Each readiness check's failing, passing and cannot-judge items on small hand-built
configuration (stored as a sync stores it), its status history, special cases and the checks
pages; auditors read them and cannot write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from checks.engine import evaluate
from checks.models import CheckState, CheckStatusChange, FailingItem, SpecialCase
from integrations.models import Connection, ProviderService, SyncRun
from integrations.providers.opsgenie.config_mapping import config_record
from library.models import LibraryObject
from library.readiness_checks import GAPS_KEY, HEARTBEATS_KEY, PATHS_KEY, SECOND_KEY, TOPIC
from library.store import LibraryStore
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db
KINDS = ("services", "teams", "escalations", "schedules", "on_calls", "heartbeats")


def synced(connection: Connection, skipped: tuple[str, ...] = ()) -> None:
    """A finished run that read every kind but ``skipped`` (which the key may not read)."""
    now = timezone.now()
    counts = {
        kind: {"skipped": f"the credentials may not read {kind}: it needs Configuration access"}
        if kind in skipped
        else {"fetched": 1}
        for kind in KINDS
    }
    SyncRun.objects.create(
        connection=connection,
        trigger="manual",
        kind="incremental",
        outcome="succeeded",
        started_at=now,
        finished_at=now,
        heartbeat_at=now,
        counts=counts,
    )


def store(connection: Connection, kind: str, *items: dict[str, Any], key: str = "id") -> None:
    """As a sync stores them; an on-call item is keyed by its schedule's id (``_parent``)."""
    records = [
        config_record(kind, item["_parent"]["id"] if key == "_parent" else item[key], item)
        for item in items
    ]
    LibraryStore(kind).save(connection=connection, records=records)


def team(upstream_id: str, name: str) -> dict[str, Any]:
    return {"id": upstream_id, "name": name}


def rule(kind: str, upstream_id: str, name: str) -> dict[str, Any]:
    named = {"username": name} if kind == "user" else {"name": name}
    return {"delay": {"timeAmount": 0}, "recipient": {"type": kind, "id": upstream_id, **named}}


def escalation(upstream_id: str, owner: str, *rules: dict[str, Any], repeat: int = 0) -> dict:  # type: ignore[type-arg]
    return {
        "id": upstream_id,
        "name": f"{owner}_escalation",
        "ownerTeam": {"id": owner.lower(), "name": owner},
        "rules": list(rules),
        "repeat": {"count": repeat, "waitInterval": 10 if repeat else 0},
    }


def service(connection: Connection, name: str, team_id: str) -> ProviderService:
    return ProviderService.objects.create(
        connection=connection,
        upstream_id=name.lower(),
        name=name,
        team_id=team_id,
        synced_at=timezone.now(),
    )


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def timeline(schedule: str, start: datetime, *periods: tuple[int, int]) -> dict[str, Any]:
    """An on-call item for 14 days from ``start``, covered for each (from, to) day offset."""
    return {
        "_parent": {"id": schedule, "name": f"{schedule} on call"},
        "startDate": iso(start),
        "endDate": iso(start + timedelta(days=14)),
        "finalTimeline": {
            "rotations": [
                {
                    "periods": [
                        {
                            "startDate": iso(start + timedelta(days=lower)),
                            "endDate": iso(start + timedelta(days=upper)),
                            "recipient": {"type": "user", "id": "u1", "name": "ana"},
                        }
                        for lower, upper in periods
                    ]
                }
            ]
        },
    }


def failing(key: str) -> dict[str, FailingItem]:
    return {item.label: item for item in FailingItem.objects.filter(check_key=key)}


def url(row_name: str, kind: str) -> str:
    row = LibraryObject.objects.get(kind=kind, name=row_name)
    return reverse("library:detail", args=[kind, row.pk])


@pytest.fixture
def connection() -> Connection:
    return make_connection()


def test_no_account_means_not_applicable_and_nothing_synced_cannot_be_judged(db) -> None:  # type: ignore[no-untyped-def]
    evaluate(topic=TOPIC)
    assert {s.status for s in CheckState.objects.all()} == {"not_applicable"}
    make_connection()
    evaluate(topic=TOPIC)
    for key in (PATHS_KEY, GAPS_KEY, SECOND_KEY, HEARTBEATS_KEY):
        reasons = [item.reason for item in FailingItem.objects.filter(check_key=key)]
        assert CheckState.objects.get(key=key).status == "failing", key
        assert len(reasons) == 1 and reasons[0].startswith("Cannot judge: "), key
        assert "not been synced yet" in reasons[0], key


def test_a_service_fails_without_an_escalation_or_a_recipient(connection) -> None:  # type: ignore[no-untyped-def]
    synced(connection)
    store(connection, "teams", team("ops", "Ops"), team("web", "Web"), team("qa", "QA"))
    store(
        connection,
        "escalations",
        escalation("e1", "Ops", rule("schedule", "s1", "Ops on call")),
        escalation("e2", "QA", {"recipient": {"type": "none"}}),
    )
    service(connection, "Checkout", "ops")
    service(connection, "Website", "web")
    service(connection, "Testing", "qa")
    service(connection, "Orphan", "gone")

    evaluate(topic=TOPIC)

    items = failing(PATHS_KEY)
    assert set(items) == {"Website (service)", "Testing (service)", "Orphan (service)"}
    assert items["Website (service)"].url == url("Web", "teams")
    assert items["Website (service)"].reason.endswith("Add an escalation to team Web in OpsGenie.")
    assert "QA_escalation" in items["Testing (service)"].reason
    assert "notifies nobody" in items["Testing (service)"].reason
    assert items["Orphan (service)"].reason == (
        "Cannot judge: its team gone is not among the synced teams"
    )
    assert CheckState.objects.get(key=PATHS_KEY).checked_count == 4


def test_services_whose_teams_were_not_read_cannot_be_judged(connection) -> None:  # type: ignore[no-untyped-def]
    synced(connection, skipped=("teams", "escalations"))
    service(connection, "Checkout", "ops")
    evaluate(topic=TOPIC)
    (item,) = failing(PATHS_KEY).values()
    assert item.label == "Checkout (service)"
    assert item.reason == (
        "Cannot judge: the credentials may not read teams: it needs Configuration access; "
        "the credentials may not read escalations: it needs Configuration access"
    )


def test_a_gap_in_a_schedule_an_escalation_uses_fails_with_its_times(connection) -> None:  # type: ignore[no-untyped-def]
    synced(connection)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    store(
        connection,
        "escalations",
        escalation(
            "e1",
            "Ops",
            rule("schedule", "gappy", "Gappy on call"),
            rule("schedule", "full", "Full on call"),
            rule("schedule", "unread", "Unread on call"),
        ),
    )
    store(
        connection,
        "on_calls",
        timeline("gappy", start, (0, 5), (7, 14)),
        timeline("full", start, (0, 14)),
        timeline("unused", start),
        key="_parent",
    )

    evaluate(topic=TOPIC)

    items = failing(GAPS_KEY)
    gap = f"Gappy on call: {start + timedelta(days=5):%d %b %H:%M} – "
    assert {label[: len(gap)] for label in items} == {gap, "Unread on call"}
    (found,) = (item for label, item in items.items() if label.startswith("Gappy"))
    assert found.reason.startswith(
        f"Nobody is on call from {start + timedelta(days=5):%d %b %Y %H:%M} UTC to "
        f"{start + timedelta(days=7):%d %b %Y %H:%M} UTC."
    )
    assert found.url == url("gappy on call", "on_calls")
    assert items["Unread on call"].reason == "Cannot judge: its on-call timeline was not read"
    assert CheckState.objects.get(key=GAPS_KEY).checked_count == 3


def test_a_gap_given_with_an_offset_upstream_is_said_in_utc_and_stays_the_same_item(  # type: ignore[no-untyped-def]
    connection,
) -> None:
    synced(connection)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    store(connection, "escalations", escalation("e1", "Ops", rule("schedule", "gappy", "G")))
    store(connection, "on_calls", timeline("gappy", start, (0, 5), (7, 14)), key="_parent")
    evaluate(topic=TOPIC)
    (before,) = failing(GAPS_KEY).values()

    # The same instants as the upstream may write them on a later sync, two hours ahead of UTC.
    ahead = dt_timezone(timedelta(hours=2))

    def shifted(value: str) -> str:
        return datetime.fromisoformat(value).astimezone(ahead).isoformat()

    gappy = timeline("gappy", start, (0, 5), (7, 14))
    gappy["startDate"], gappy["endDate"] = shifted(gappy["startDate"]), shifted(gappy["endDate"])
    for period in gappy["finalTimeline"]["rotations"][0]["periods"]:
        period["startDate"], period["endDate"] = (
            shifted(period["startDate"]),
            shifted(period["endDate"]),
        )
    assert gappy["startDate"].endswith("+02:00")
    store(connection, "on_calls", gappy, key="_parent")
    evaluate(topic=TOPIC)

    (found,) = failing(GAPS_KEY).values()
    assert found.reason.startswith(
        f"Nobody is on call from {start + timedelta(days=5):%d %b %Y %H:%M} UTC to "
        f"{start + timedelta(days=7):%d %b %Y %H:%M} UTC."
    )
    assert found.label == (
        f"G: {start + timedelta(days=5):%d %b %H:%M} – {start + timedelta(days=7):%d %b %H:%M} UTC"
    )
    # Not an item gone and a new one: the same gap, failing since the first evaluation.
    assert (found.pk, found.item_key, found.failing_since) == (
        before.pk,
        before.item_key,
        before.failing_since,
    )


def test_an_escalation_stopping_at_one_person_fails(connection) -> None:  # type: ignore[no-untyped-def]
    synced(connection)
    store(
        connection,
        "escalations",
        escalation("e1", "Solo", rule("user", "u1", "ana@example.com")),
        escalation("e2", "Twice", rule("user", "u1", "ana@example.com"), repeat=2),
        escalation("e3", "Pair", rule("user", "u1", "ana"), rule("user", "u2", "bo")),
        escalation("e4", "Rota", rule("schedule", "s1", "Rota on call")),
        escalation("e5", "Empty"),
        {"id": "e6", "name": "Broken"},
    )
    evaluate(topic=TOPIC)
    items = failing(SECOND_KEY)
    assert set(items) == {"Solo_escalation", "Empty_escalation", "Broken"}
    assert items["Solo_escalation"].reason.startswith(
        "It notifies only ana@example.com, with no repeat and no second rule"
    )
    assert items["Solo_escalation"].url == url("Solo_escalation", "escalations")
    assert "notifies nobody" in items["Empty_escalation"].reason
    assert items["Broken"].reason.startswith("Cannot judge: ")


def test_disabled_and_expired_heartbeats_fail(connection) -> None:  # type: ignore[no-untyped-def]
    synced(connection)
    store(
        connection,
        "heartbeats",
        {"name": "alive", "enabled": True, "expired": False},
        {"name": "off", "enabled": False, "expired": False},
        {
            "name": "silent",
            "enabled": True,
            "expired": True,
            "lastPingTime": "2026-05-29T00:00:00Z",
        },
        key="name",
    )
    evaluate(topic=TOPIC)
    items = failing(HEARTBEATS_KEY)
    assert set(items) == {"off", "silent"}
    assert items["off"].reason.startswith("Disabled")
    assert "Enable heartbeat off in OpsGenie" in items["off"].reason
    assert items["silent"].reason.startswith("Expired (last ping 29 May 2026 00:00 UTC)")
    assert items["silent"].url == url("silent", "heartbeats")


def test_history_special_cases_and_pages(connection, admin_client, auditor_client) -> None:  # type: ignore[no-untyped-def]
    synced(connection)
    store(connection, "heartbeats", {"name": "<b>off</b>", "enabled": False}, key="name")
    evaluate(topic=TOPIC)
    evaluate(topic=TOPIC)  # nothing changed: no new history
    assert CheckStatusChange.objects.filter(check_state__key=HEARTBEATS_KEY).count() == 1

    listing = auditor_client.get("/checks/").content.decode()
    assert "Heartbeats are enabled and alive" in listing
    page = auditor_client.get(f"/checks/{HEARTBEATS_KEY}/").content.decode()
    assert "&lt;b&gt;off&lt;/b&gt;" in page and url("<b>off</b>", "heartbeats") in page

    (item,) = FailingItem.objects.filter(check_key=HEARTBEATS_KEY)
    cases = f"/checks/{HEARTBEATS_KEY}/special-cases/"
    expires = (timezone.localdate() + timedelta(days=30)).isoformat()
    form = {"item_keys": item.item_key, "reason": "Decommissioned", "expires_on": expires}
    assert auditor_client.post(cases, form).status_code == 403
    assert not SpecialCase.objects.exists()
    admin_client.post(cases, form)
    assert CheckState.objects.get(key=HEARTBEATS_KEY).status == "passing"
