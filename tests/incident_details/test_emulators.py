"""Both emulators' incident notes, logs and timeline: paging as upstream pages them, its error
bodies, and the same answers from the same seed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from incidents.data_loss import find_mention
from integrations.sandbox.server import SandboxServer

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(seed=11, incidents=40, users=8, now=NOW, pagerduty_incidents=40) as server:
        yield server


def og(server: SandboxServer, path: str, **params: Any) -> requests.Response:
    headers = {"Authorization": f"GenieKey {server.keys.opsgenie_us}"}
    return requests.get(server.opsgenie_url("us") + path, headers=headers, params=params, timeout=5)


def pd(server: SandboxServer, path: str, **params: Any) -> requests.Response:
    headers = {"Authorization": f"Token token={server.keys.pagerduty_us}"}
    return requests.get(
        server.pagerduty_url("us") + path, headers=headers, params=params, timeout=5
    )


def og_incidents(server: SandboxServer) -> list[dict]:
    return server.opsgenie_stores["us"].incidents()


def test_opsgenie_notes_and_logs_page_by_key_to_the_end(server) -> None:  # type: ignore[no-untyped-def]
    incident = max(
        og_incidents(server),
        key=lambda i: len(og(server, f"/v1/incidents/{i['id']}/logs", limit=100).json()["data"]),
    )
    path = f"/v1/incidents/{incident['id']}/logs"
    everything = og(server, path, limit=100, order="asc").json()
    url: str | None = server.opsgenie_url("us") + path + "?limit=1&order=asc"
    read: list[dict] = []
    while url:
        headers = {"Authorization": f"GenieKey {server.keys.opsgenie_us}"}
        body = requests.get(url, headers=headers, timeout=5).json()
        read.extend(body["data"])
        url = body["paging"].get("next")

    assert read == everything["data"] and len(read) >= 3
    assert all(set(e) == {"log", "type", "owner", "createdAt", "offset"} for e in read)
    assert read[0]["log"].startswith("Incident created via ")


def test_opsgenie_timeline_pages_by_next_offset(server) -> None:  # type: ignore[no-untyped-def]
    incident = next(i for i in og_incidents(server) if i["status"] == "closed")
    path = f"/v2/incident-timelines/{incident['id']}/entries"
    whole = og(server, path, limit=100, order="asc").json()["data"]
    pages, offset = [], None
    while True:
        data = og(server, path, limit=1, order="asc", **({"offset": offset} if offset else {}))
        data = data.json()["data"]
        pages.extend(data["entries"])
        offset = data.get("nextOffset")
        if not offset:
            break

    assert pages == whole["entries"] and "nextOffset" not in whole
    assert [e["type"] for e in pages[:1]] == ["IncidentCreated"]
    assert {"IncidentResolved", "IncidentClosed"} <= {e["type"] for e in pages}


def test_opsgenie_errors_are_upstreams(server) -> None:  # type: ignore[no-untyped-def]
    incident = og_incidents(server)[0]
    missing = og(server, "/v1/incidents/no-such-incident/notes")
    assert (missing.status_code, missing.json()["message"]) == (
        404,
        "Incident with id [no-such-incident] does not exist.",
    )
    assert og(server, "/v2/incident-timelines/nope/entries").status_code == 404
    for path in (
        f"/v1/incidents/{incident['id']}/notes",
        f"/v2/incident-timelines/{incident['id']}/entries",
    ):
        bad = og(server, path, limit=101)
        assert bad.status_code == 422
        assert bad.json()["errors"] == {"limit": "Limit should be between 1 and 100."}


def said(server: SandboxServer) -> dict[str, str]:
    """Incident id → what its notes say of data loss ("" for nothing)."""
    found = {}
    for incident in og_incidents(server):
        notes = og(server, f"/v1/incidents/{incident['id']}/notes", limit=100).json()["data"]
        found[incident["id"]] = find_mention(*(n["note"] for n in notes))
    return found


def test_some_opsgenie_incidents_notes_report_data_loss_the_same_from_the_same_seed(
    server,
) -> None:  # type: ignore[no-untyped-def]
    first = said(server)

    assert 0 < sum(1 for text in first.values() if text) < len(first) / 2
    with SandboxServer(seed=11, incidents=40, users=8, now=NOW) as again:
        assert said(again) == first


def test_pagerduty_log_entries_page_by_offset_with_the_documented_fields(server) -> None:  # type: ignore[no-untyped-def]
    incident = next(
        i for i in server.pagerduty_stores["us"].incidents() if i["status"] == "resolved"
    )
    path = f"/incidents/{incident['id']}/log_entries"
    whole = pd(server, path, limit=100).json()
    first, second = pd(server, path, limit=1).json(), pd(server, path, limit=1, offset=1).json()

    assert (whole["more"], first["more"]) == (False, True)
    assert [first["log_entries"][0], second["log_entries"][0]] == whole["log_entries"][:2]
    types = {e["type"] for e in whole["log_entries"]}
    assert {"trigger_log_entry", "resolve_log_entry"} <= types
    trigger = next(e for e in whole["log_entries"] if e["type"] == "trigger_log_entry")
    assert trigger["id"] == incident["first_trigger_log_entry"]["id"]
    assert {"id", "type", "summary", "created_at", "agent", "incident", "channel"} <= set(trigger)


def test_pagerduty_errors_are_upstreams(server) -> None:  # type: ignore[no-untyped-def]
    incident = server.pagerduty_stores["us"].incidents()[0]
    missing = pd(server, "/incidents/NOPE/log_entries")
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": {"message": "Incident Not Found", "code": 5001}},
    )
    bad = pd(server, f"/incidents/{incident['id']}/log_entries", limit=0)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == 2001
