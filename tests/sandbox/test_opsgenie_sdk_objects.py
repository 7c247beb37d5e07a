"""The official client reads the sandbox's alerts and heartbeats with nothing changed but its
host: every answer deserialises into the SDK's own models and carries what the store holds.

opsgenie-sdk 2.1.5 has API classes for alerts, heartbeats, incidents and the account only; it
has no UserApi, TeamApi, ScheduleApi or ScheduleRotationApi, so users, teams and schedules cannot
be read through it (Cannot judge: users, teams, schedules with the official Python SDK)."""

from __future__ import annotations

from typing import Any

import opsgenie_sdk
import pytest
import requests

from integrations.providers.opsgenie.sandbox.alert_details import (
    People,
    alert_logs,
    alert_notes,
    alert_recipients,
)
from integrations.providers.opsgenie.sandbox.data import parse_iso_ms
from integrations.sandbox.server import SandboxServer


def _client(sandbox: SandboxServer, key: str = "") -> opsgenie_sdk.api_client.ApiClient:
    conf = opsgenie_sdk.configuration.Configuration()
    conf.host = sandbox.opsgenie_url("us")
    # Own dicts: Configuration() shallow-copies a process-wide default (see test_opsgenie_sdk).
    conf.api_key = {"Authorization": key or sandbox.keys.opsgenie_us}
    conf.api_key_prefix = {"Authorization": "GenieKey"}
    conf.retry_enabled = False  # a failure must surface now, not after the SDK's backoff
    return opsgenie_sdk.api_client.ApiClient(conf)


def _ms(moment: Any) -> int:
    return round(moment.timestamp() * 1000)


def _people(sandbox: SandboxServer) -> People:
    dataset = sandbox.opsgenie_stores["us"].dataset
    return People(users=dataset.users, memberships=dataset.memberships)


def _alert_with_history(sandbox: SandboxServer) -> dict[str, Any]:
    """A seeded alert with at least two notes, three log lines and one recipient."""
    people = _people(sandbox)
    for alert in sandbox.opsgenie_alerts["us"].snapshot():
        if (
            len(alert_notes(alert, people)) >= 2
            and len(alert_logs(alert, people)) >= 3
            and alert_recipients(alert, people)
        ):
            return alert
    raise AssertionError("the seed holds no alert with notes, logs and recipients")


def test_the_official_sdk_pages_through_every_alert_oldest_first(sandbox: SandboxServer):
    api = opsgenie_sdk.AlertApi(_client(sandbox))
    stored = sandbox.opsgenie_alerts["us"].snapshot()
    expected = [a["id"] for a in sorted(stored, key=lambda a: (a["createdAt"], int(a["tinyId"])))]

    seen: list[opsgenie_sdk.BaseAlert] = []
    offset, limit = 0, 25
    while True:
        page = api.list_alerts(limit=limit, offset=offset, sort="createdAt", order="asc")
        seen += page.data
        if not page.paging.next:
            break
        offset += limit

    assert [alert.id for alert in seen] == expected
    assert len(expected) > 2 * limit  # several pages were really walked
    by_id = {alert["id"]: alert for alert in stored}
    for alert in seen:
        held = by_id[alert.id]
        assert (alert.tiny_id, alert.message, alert.status) == (
            held["tinyId"],
            held["message"],
            held["status"],
        )
        assert _ms(alert.created_at) == parse_iso_ms(held["createdAt"])
        assert alert.integration.name == held["integration"]["name"]


def test_the_official_sdk_reads_one_alert_by_id_and_by_tiny_id(sandbox: SandboxServer):
    api = opsgenie_sdk.AlertApi(_client(sandbox))
    held = _alert_with_history(sandbox)

    by_id = api.get_alert(held["id"]).data
    by_tiny = api.get_alert(held["tinyId"], identifier_type="tiny").data

    assert isinstance(by_id, opsgenie_sdk.Alert)
    assert by_id.id == by_tiny.id == held["id"]
    assert (by_id.message, by_id.alias, by_id.priority) == (
        held["message"],
        held["alias"],
        held["priority"],
    )
    assert by_id.description == held.get("description")
    assert by_id.details == held.get("details", {})
    assert sorted(by_id.tags) == sorted(held["tags"])


def test_the_official_sdk_walks_an_alerts_notes_and_logs_by_their_offset_keys(
    sandbox: SandboxServer,
):
    api = opsgenie_sdk.AlertApi(_client(sandbox))
    held = _alert_with_history(sandbox)
    people = _people(sandbox)

    def walk(read: Any) -> list[Any]:
        items: list[Any] = []
        page = read(held["id"], limit=1, order="asc")
        items += page.data
        while page.paging.next:
            page = read(held["id"], limit=1, order="asc", offset=items[-1].offset)
            items += page.data
        return items

    notes = walk(api.list_notes)
    logs = walk(api.list_logs)

    expected_notes = alert_notes(held, people)
    assert [(n.note, n.owner, n.offset) for n in notes] == [
        (n["note"], n["owner"], n["offset"]) for n in expected_notes
    ]
    expected_logs = alert_logs(held, people)
    assert [(entry.log, entry.type, entry.offset) for entry in logs] == [
        (entry["log"], entry["type"], entry["offset"]) for entry in expected_logs
    ]
    assert [_ms(entry.created_at) for entry in logs] == [
        parse_iso_ms(entry["createdAt"]) for entry in expected_logs
    ]


def test_the_official_sdk_lists_who_an_alert_was_sent_to(sandbox: SandboxServer):
    api = opsgenie_sdk.AlertApi(_client(sandbox))
    held = _alert_with_history(sandbox)

    recipients = api.list_recipients(held["id"]).data

    expected = alert_recipients(held, _people(sandbox))
    assert [(r.user.id, r.user.username, r.state, r.method) for r in recipients] == [
        (r["user"]["id"], r["user"]["username"], r["state"], r["method"]) for r in expected
    ]


def test_the_official_sdk_lists_every_heartbeat(sandbox: SandboxServer):
    api = opsgenie_sdk.HeartbeatApi(_client(sandbox))
    held = sandbox.opsgenie_stores["us"].configuration.heartbeats

    listed = api.list_heart_beats().data.heartbeats

    assert [beat.name for beat in listed] == [beat["name"] for beat in held]
    assert [(b.interval, b.interval_unit, b.enabled, b.expired) for b in listed] == [
        (b["interval"], b["intervalUnit"], b["enabled"], b["expired"]) for b in held
    ]
    assert [_ms(beat.last_ping_time) for beat in listed] == [
        parse_iso_ms(beat["lastPingTime"]) for beat in held
    ]


@pytest.mark.parametrize("state", ["expired", "disabled"])
def test_the_official_sdk_reads_one_heartbeat_by_name(sandbox: SandboxServer, state: str):
    api = opsgenie_sdk.HeartbeatApi(_client(sandbox))
    heartbeats = sandbox.opsgenie_stores["us"].configuration.heartbeats
    held = next(b for b in heartbeats if (b["expired"] if state == "expired" else not b["enabled"]))

    beat = api.get_heartbeat(held["name"]).data

    assert isinstance(beat, opsgenie_sdk.Heartbeat)
    assert (beat.name, beat.description, beat.enabled, beat.expired) == (
        held["name"],
        held["description"],
        held["enabled"],
        held["expired"],
    )


def test_the_official_sdk_sees_an_unknown_heartbeat_as_not_found(sandbox: SandboxServer):
    api = opsgenie_sdk.HeartbeatApi(_client(sandbox))

    with pytest.raises(opsgenie_sdk.exceptions.ApiException) as raised:
        api.get_heartbeat("no-such-heartbeat")

    assert raised.value.status == 404


def test_responders_named_on_create_come_back_as_ids_the_sdk_can_read(sandbox: SandboxServer):
    """Other senders (Alertmanager, the app) name responders; the SDK's models need their id."""
    store = sandbox.opsgenie_stores["us"]
    team, user = store.teams()[1], store.users()[2]
    created = requests.post(
        sandbox.opsgenie_url("us") + "/v2/alerts",
        json={
            "message": "Responders by name",
            "alias": "sdk/responders-by-name",
            "responders": [
                {"type": "team", "name": team["name"]},
                {"type": "user", "username": user["username"]},
                {"type": "team", "name": "No such team"},
            ],
        },
        headers={"Authorization": f"GenieKey {sandbox.keys.opsgenie_us_integration}"},
        timeout=10,
    )
    writer = opsgenie_sdk.AlertApi(_client(sandbox, sandbox.keys.opsgenie_us_integration))
    status = writer.get_request_status(created.json()["requestId"]).data

    alert = opsgenie_sdk.AlertApi(_client(sandbox)).get_alert(status.alert_id).data

    assert [(r.type, r.id) for r in alert.responders] == [
        ("team", team["id"]),
        ("user", user["id"]),
    ]
