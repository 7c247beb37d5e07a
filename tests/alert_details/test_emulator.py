"""The OpsGenie emulator's alert logs, notes and recipients (reference §4.3): key paging,
its errors, and histories that match the alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from integrations.sandbox.server import SandboxServer

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(seed=11, incidents=5, users=8, now=NOW, alerts=40) as server:
        yield server


def get(server: SandboxServer, path: str, **params: Any) -> requests.Response:
    headers = {"Authorization": f"GenieKey {server.keys.opsgenie_us}"}
    return requests.get(server.opsgenie_url("us") + path, headers=headers, params=params, timeout=5)


def alerts(server: SandboxServer) -> list[dict]:
    return server.opsgenie_alerts["us"].snapshot()


def closed_alert(server: SandboxServer) -> dict:
    return next(a for a in alerts(server) if a["status"] == "closed" and a["acknowledged"])


def test_logs_follow_next_links_by_offset_key_to_the_end(server) -> None:  # type: ignore[no-untyped-def]
    alert = closed_alert(server)
    everything = get(server, f"/v2/alerts/{alert['id']}/logs", limit=100, order="asc").json()
    url: str | None = server.opsgenie_url("us") + f"/v2/alerts/{alert['id']}/logs?limit=2&order=asc"
    read: list[dict] = []
    while url:
        headers = {"Authorization": f"GenieKey {server.keys.opsgenie_us}"}
        body = requests.get(url, headers=headers, timeout=5).json()
        assert set(body["paging"]) <= {"first", "next"}
        read.extend(body["data"])
        url = body["paging"].get("next")
        if url:
            assert f"offset={body['data'][-1]['offset']}" in url and "direction=next" in url

    assert read == everything["data"] and len(read) > 2
    assert "next" not in everything["paging"]
    assert [e["offset"] for e in read] == sorted(e["offset"] for e in read)
    assert all(set(e) == {"log", "type", "owner", "createdAt", "offset"} for e in read)


def test_logs_default_to_newest_first_twenty_and_page_back_with_prev(server) -> None:  # type: ignore[no-untyped-def]
    alert = closed_alert(server)
    asc = get(server, f"/v2/alerts/{alert['id']}/logs", limit=100, order="asc").json()["data"]
    desc = get(server, f"/v2/alerts/{alert['id']}/logs").json()["data"]
    assert desc == list(reversed(asc))[:20]
    third = asc[2]["offset"]
    before = get(
        server, f"/v2/alerts/{alert['id']}/logs", order="asc", direction="prev", offset=third
    ).json()
    assert before["data"] == asc[:2]
    assert before["paging"]["next"].count(f"offset={asc[1]['offset']}") == 1


def test_an_acknowledged_and_closed_alert_has_the_log_entries_naming_who(server) -> None:  # type: ignore[no-untyped-def]
    alert = closed_alert(server)
    logs = [
        e["log"] for e in get(server, f"/v2/alerts/{alert['id']}/logs", limit=100).json()["data"]
    ]
    assert f"Alert acknowledged by {alert['report']['acknowledgedBy']}" in logs
    assert f"Alert closed by {alert['report']['closedBy']}" in logs
    open_alert = next(a for a in alerts(server) if not a["acknowledged"])
    logs = get(server, f"/v2/alerts/{open_alert['id']}/logs", limit=100).json()["data"]
    assert not any(e["log"].startswith(("Alert acknowledged", "Alert closed")) for e in logs)


def test_notes_page_like_logs_and_recipients_are_the_accounts_people(server) -> None:  # type: ignore[no-untyped-def]
    usernames = {user["username"] for user in server.opsgenie_stores["us"].dataset.users}
    noted = 0
    for alert in alerts(server):
        notes = get(server, f"/v2/alerts/{alert['tinyId']}/notes", identifierType="tiny").json()
        assert set(notes["paging"]) == {"first"}
        assert all(set(n) == {"note", "owner", "createdAt", "offset"} for n in notes["data"])
        noted += len(notes["data"])
        body = get(server, f"/v2/alerts/{alert['id']}/recipients").json()
        assert "paging" not in body
        for recipient in body["data"]:
            assert recipient["user"]["username"] in usernames
            assert set(recipient) == {"user", "state", "method", "createdAt", "updatedAt", "aware"}
    assert noted > 0


def test_the_same_seed_gives_the_same_history(server) -> None:  # type: ignore[no-untyped-def]
    alert = closed_alert(server)
    with SandboxServer(seed=11, incidents=5, users=8, now=NOW, alerts=40) as again:
        for part in ("logs", "notes", "recipients"):
            first = get(server, f"/v2/alerts/{alert['id']}/{part}").json()["data"]
            assert get(again, f"/v2/alerts/{alert['id']}/{part}").json()["data"] == first


def test_an_unknown_alert_is_404_and_a_bad_limit_422(server) -> None:  # type: ignore[no-untyped-def]
    missing = get(server, "/v2/alerts/no-such-alert/logs")
    assert missing.status_code == 404
    assert missing.json()["message"] == "Alert with id [no-such-alert] does not exist."
    assert {"took", "requestId"} <= set(missing.json())
    alert = alerts(server)[0]
    for limit in ("0", "101", "ten"):
        refused = get(server, f"/v2/alerts/{alert['id']}/notes", limit=limit)
        assert refused.status_code == 422 and "limit" in refused.json()["errors"]
    refused = get(server, f"/v2/alerts/{alert['id']}/logs", direction="sideways")
    assert refused.status_code == 422 and "direction" in refused.json()["errors"]
    assert (
        get(server, f"/v2/alerts/{alert['id']}/recipients", identifierType="x").status_code == 422
    )
