"""The alert details reader against recorded OpsGenie answers (``responses``)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import responses

from integrations.http import UpstreamError
from integrations.providers.opsgenie.alert_details import OpsgenieAlertDetails
from integrations.providers.opsgenie.client import OpsgenieClient

BASE = "https://api.opsgenie.com"
ALERT = f"{BASE}/v2/alerts/a%2F1"  # an id with a "/" stays one path segment


def reader() -> OpsgenieAlertDetails:
    client = OpsgenieClient(api_key="k", region="us", max_attempts=1)
    return OpsgenieAlertDetails(client)


def log(n: int) -> dict:
    return {"log": f"entry {n}", "type": "system", "owner": "System",
            "createdAt": "2026-05-01T10:00:00.000Z", "offset": f"{n:04d}"}  # fmt: skip


@responses.activate
def test_logs_follow_the_next_link_and_each_part_is_read_once() -> None:
    next_url = f"{ALERT}/logs?offset=0001&direction=next&limit=100&order=asc"
    responses.get(next_url, json={"data": [log(2)], "paging": {"first": f"{ALERT}/logs"}})
    responses.get(f"{ALERT}/logs", json={"data": [log(0), log(1)], "paging": {"next": next_url}})
    responses.get(f"{ALERT}/notes", json={"data": [{"note": "<b>hi</b>", "offset": "n1"}]})
    recipient = {"user": {"id": "u1", "username": "ann@example.com"}, "state": "notified",
                 "method": "SMS", "aware": True}  # fmt: skip
    responses.get(f"{ALERT}/recipients", json={"data": [recipient, recipient]})

    record = reader()("a/1")

    assert [entry.log for entry in record.logs] == ["entry 0", "entry 1", "entry 2"]
    assert record.notes[0].note == "<b>hi</b>"  # kept as given; the page escapes it
    assert [(r.user_id, r.username, r.aware) for r in record.recipients] == [
        ("u1", "ann@example.com", True)
    ]
    first = parse_qs(urlparse(responses.calls[0].request.url).query)
    assert first == {
        "identifierType": ["id"],
        "limit": ["100"],
        "order": ["asc"],
        "direction": ["next"],
    }
    assert len(responses.calls) == 4


@responses.activate
def test_an_alert_gone_upstream_is_not_found_rather_than_an_error() -> None:
    responses.get(f"{ALERT}/logs", status=404, json={"message": "Alert does not exist"})

    record = reader()("a/1")

    assert not record.found and record.items == 0 and len(responses.calls) == 1


@responses.activate
def test_a_paging_link_to_another_host_is_refused() -> None:
    evil = {"next": "https://evil.example/v2/alerts/a/logs?offset=1"}
    responses.get(f"{ALERT}/logs", json={"data": [log(0)], "paging": evil})

    with pytest.raises(UpstreamError, match="outside the account's API host"):
        reader()("a/1")
