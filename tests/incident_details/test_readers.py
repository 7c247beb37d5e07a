"""Both providers' incident details readers against recorded answers (``responses``): paging,
an incident gone upstream, a rate limit retried, upstream text kept as given."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from integrations.http import UpstreamError
from integrations.incident_entry_records import EntryKind
from integrations.providers.opsgenie.client import OpsgenieClient
from integrations.providers.opsgenie.incident_details import OpsgenieIncidentDetails
from integrations.providers.pagerduty.client import PagerDutyClient
from integrations.providers.pagerduty.incident_details import PagerDutyIncidentDetails

OG = "https://api.opsgenie.com"
OG_INCIDENT = f"{OG}/v1/incidents/i%2F1"  # an id with a "/" stays one path segment
OG_TIMELINE = f"{OG}/v2/incident-timelines/i%2F1/entries"
PD = "https://api.pagerduty.com"
PD_INCIDENT = f"{PD}/incidents/Q1"


def opsgenie(attempts: int = 1) -> OpsgenieIncidentDetails:
    client = OpsgenieClient(api_key="k", region="us", max_attempts=attempts)
    client.session.sleep = lambda seconds: None
    return OpsgenieIncidentDetails(client)


def pagerduty(attempts: int = 1) -> PagerDutyIncidentDetails:
    client = PagerDutyClient(region="us", api_key="k", max_attempts=attempts)
    client.session.sleep = lambda seconds: None
    return PagerDutyIncidentDetails(client)


def og_note(n: int, text: str = "") -> dict:
    return {"note": text or f"note {n}", "owner": "ana@example.com",
            "createdAt": f"2026-05-01T10:0{n}:00.000Z", "offset": f"n{n:03d}"}  # fmt: skip


def og_log(n: int) -> dict:
    return {"log": f"log {n}", "type": "system", "owner": "System",
            "createdAt": f"2026-05-01T10:0{n}:00.000Z", "offset": f"l{n:03d}"}  # fmt: skip


def og_timeline(n: int) -> dict:
    return {"id": f"t{n}", "group": "custom", "type": "CustomUserEntry",
            "eventTime": f"2026-05-01T11:0{n}:00.000Z", "hidden": False,
            "actor": {"name": "Ana", "type": "user"},
            "title": {"type": "text", "content": f"Update {n}"},
            "description": {"type": "text", "content": "12 records were exposed"}}  # fmt: skip


@responses.activate
def test_opsgenie_follows_each_listings_paging_and_reads_every_part_once() -> None:
    more_notes = f"{OG_INCIDENT}/notes?offset=n001&direction=next&limit=100&order=asc"
    responses.get(more_notes, json={"data": [og_note(2, "<b>bold</b> & more")], "paging": {}})
    responses.get(
        f"{OG_INCIDENT}/notes",
        json={"data": [og_note(0), og_note(1)], "paging": {"next": more_notes}},
    )
    responses.get(f"{OG_INCIDENT}/logs", json={"data": [og_log(0), {"log": "no key"}]})
    responses.get(
        f"{OG_TIMELINE}?limit=100&order=asc&offset=p2",
        json={"data": {"entries": [og_timeline(2)]}},
    )
    responses.get(
        f"{OG_TIMELINE}?limit=100&order=asc",
        json={"data": {"entries": [og_timeline(0), og_timeline(1)], "nextOffset": "p2"}},
    )

    record = opsgenie()("i/1")

    assert record.found
    by_kind = {kind: [e for e in record.entries if e.kind == kind] for kind in EntryKind}
    assert [e.text for e in by_kind[EntryKind.NOTE]] == ["note 0", "note 1", "<b>bold</b> & more"]
    assert [e.key for e in by_kind[EntryKind.LOG]] == ["l000"]  # an item without its key: left out
    assert [e.text for e in by_kind[EntryKind.TIMELINE]][-1] == "Update 2: 12 records were exposed"
    assert by_kind[EntryKind.TIMELINE][0].author == "Ana"
    assert by_kind[EntryKind.NOTE][0].at == datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    assert parse_qs(urlparse(responses.calls[0].request.url).query) == {
        "identifierType": ["id"],
        "limit": ["100"],
        "order": ["asc"],
        "direction": ["next"],
    }
    assert len(responses.calls) == 5


@responses.activate
def test_opsgenie_incident_gone_upstream_is_not_found_rather_than_an_error() -> None:
    body = {"message": "Incident with id [i/1] does not exist."}
    responses.get(f"{OG_INCIDENT}/notes", status=404, json=body)

    record = opsgenie()("i/1")

    assert not record.found and record.entries == () and len(responses.calls) == 1


@responses.activate
def test_opsgenie_rate_limit_is_waited_out_and_retried() -> None:
    throttled = {"X-RateLimit-State": "THROTTLED", "X-RateLimit-Period-In-Sec": "1"}
    responses.get(f"{OG_INCIDENT}/notes", status=429, headers=throttled, json={"message": "slow"})
    responses.get(f"{OG_INCIDENT}/notes", json={"data": [og_note(0)]})
    responses.get(f"{OG_INCIDENT}/logs", json={"data": []})
    responses.get(OG_TIMELINE, json={"data": {"entries": []}})

    record = opsgenie(attempts=3)("i/1")

    assert [e.text for e in record.entries] == ["note 0"]
    assert [call.response.status_code for call in responses.calls] == [429, 200, 200, 200]


@responses.activate
def test_opsgenie_a_paging_link_to_another_host_is_refused() -> None:
    evil = {"next": "https://evil.example/v1/incidents/i/notes?offset=1"}
    responses.get(f"{OG_INCIDENT}/notes", json={"data": [og_note(0)], "paging": evil})

    with pytest.raises(UpstreamError, match="outside the account's API host"):
        opsgenie()("i/1")


def pd_log(n: int) -> dict:
    return {"id": f"R{n}", "type": "resolve_log_entry", "summary": f"Resolved by Ana {n}.",
            "created_at": "2026-05-01T10:00:00Z", "agent": {"summary": "Ana"}}  # fmt: skip


@responses.activate
def test_pagerduty_reads_the_notes_once_and_pages_the_log_by_offset() -> None:
    note = {"id": "N1", "user": {"summary": "Ana"}, "content": "Dataloss: 4 rows",
            "created_at": "2026-05-01T10:00:00Z"}  # fmt: skip
    responses.get(f"{PD_INCIDENT}/notes", json={"notes": [note]})
    responses.get(
        f"{PD_INCIDENT}/log_entries?limit=100&offset=100",
        json={"log_entries": [pd_log(100)], "more": False},
    )
    responses.get(
        f"{PD_INCIDENT}/log_entries?limit=100&offset=0",
        json={"log_entries": [pd_log(n) for n in range(100)], "more": True},
    )

    record = pagerduty()("Q1")

    notes = [e for e in record.entries if e.kind == EntryKind.NOTE]
    logs = [e for e in record.entries if e.kind == EntryKind.LOG]
    assert [(e.key, e.author, e.text) for e in notes] == [("N1", "Ana", "Dataloss: 4 rows")]
    assert len(logs) == 101 and logs[-1].type == "resolve_log_entry"
    assert len(responses.calls) == 3


@responses.activate
def test_pagerduty_incident_gone_upstream_is_not_found() -> None:
    body = {"error": {"message": "Incident Not Found", "code": 5001}}
    responses.get(f"{PD_INCIDENT}/notes", status=404, json=body)

    assert not pagerduty()("Q1").found and len(responses.calls) == 1


@responses.activate
def test_pagerduty_rate_limit_is_waited_out_and_retried() -> None:
    responses.get(
        f"{PD_INCIDENT}/notes",
        status=429,
        headers={"ratelimit-reset": "1"},
        json={"error": {"message": "Rate Limit Exceeded", "code": 2020}},
    )
    responses.get(f"{PD_INCIDENT}/notes", json={"notes": []})
    responses.get(f"{PD_INCIDENT}/log_entries", json={"log_entries": [pd_log(1)], "more": False})

    record = pagerduty(attempts=3)("Q1")

    assert [e.text for e in record.entries] == ["Resolved by Ana 1."]
    assert [call.response.status_code for call in responses.calls] == [429, 200, 200]
