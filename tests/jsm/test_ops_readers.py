"""The Ops API's readers against stubbed answers (``responses``): ``links.next`` followed,
relative or absolute, never off the API's host; alerts read by keyset on createdAt so the
offset stays far from the 20,000 cap; the per-team reads bounded per run; a 401 from the Ops
gateway read as the account's missing role, not a bad token."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from integrations.config_records import Timeline
from integrations.http import ErrorKind, UpstreamError
from integrations.providers.jsm.alert_reader import JsmAlerts
from integrations.providers.jsm.client import JsmClient
from integrations.providers.jsm.ops_reader import JsmOps
from integrations.records import ListingTruncated

CLOUD_ID = "0b5e1f0e-7c55-4c6b-9a51-3f6d2b8e1c7a"
ROOT = f"https://api.atlassian.com/jsm/ops/api/{CLOUD_ID}"
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def ops(settings) -> JsmOps:  # type: ignore[no-untyped-def]
    settings.JSM_BASE_URLS = {"cloud": "https://api.atlassian.com/jsm/ops/api"}
    client = JsmClient(
        site="acme", email="dana@example.com", api_token="t" * 40, cloud_id=CLOUD_ID, max_attempts=1
    )
    client.session.sleep = lambda seconds: None
    return JsmOps(client, clock=lambda: NOW)


def _alert(n: int, minute: int) -> dict:  # type: ignore[type-arg]
    created = f"2026-05-01T10:{minute:02d}:00.000Z"
    return {
        "id": f"alert-{n}",
        "tinyId": str(n),
        "message": f"Alert {n}",
        "status": "open",
        "createdAt": created,
        "updatedAt": created,
    }


def _query(call: responses.Call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


@responses.activate
def test_a_listing_follows_relative_and_absolute_next_links(ops: JsmOps) -> None:
    team = {"teamId": "t1", "teamName": "Payments"}
    responses.get(
        f"{ROOT}/v1/teams",
        json={"values": [team], "links": {"next": "/v1/teams?offset=1&size=100"}},
        match=[responses.matchers.query_param_matcher({"size": "100", "offset": "0"})],
    )
    other = {"teamId": "t2", "teamName": "Data"}
    responses.get(
        f"{ROOT}/v1/teams",
        json={"values": [other], "links": {}},
        match=[responses.matchers.query_param_matcher({"offset": "1", "size": "100"})],
    )
    ((first, second),) = list(ops.teams())
    assert (first.name, second.name) == ("Payments", "Data")
    assert len(responses.calls) == 2


@responses.activate
def test_a_next_link_to_another_host_is_refused(ops: JsmOps) -> None:
    responses.get(
        f"{ROOT}/v1/integrations",
        json={"values": [], "links": {"next": "https://evil.example/v1/x"}},
    )
    with pytest.raises(UpstreamError) as raised:
        list(ops.integrations())
    assert raised.value.kind == ErrorKind.MALFORMED
    assert len(responses.calls) == 1


@responses.activate
def test_alerts_are_read_by_keyset_never_by_growing_offsets(ops: JsmOps) -> None:
    page = [_alert(n, minute=n % 60) for n in range(100)]
    page.sort(key=lambda alert: alert["createdAt"])
    responses.get(
        f"{ROOT}/v1/alerts",
        json={"values": page, "links": {"next": f"{ROOT}/v1/alerts?offset=100"}},
    )
    responses.get(f"{ROOT}/v1/alerts", json={"values": [_alert(100, 59)], "links": {}})
    read = [alert.upstream_id for batch in JsmAlerts(ops).scan_all() for alert in batch]
    assert len(read) == 101 and len(set(read)) == 101
    first, second = (_query(call) for call in responses.calls)
    assert first["sort"] == ["createdAt"] and first["order"] == ["asc"]
    assert first["size"] == ["100"] and first["offset"] == ["0"] and "query" not in first
    last_created = int(datetime(2026, 5, 1, 10, 59, tzinfo=UTC).timestamp() * 1000)
    assert second["query"] == [f"createdAt>={last_created}"] and second["offset"] == ["0"]


@responses.activate
def test_changes_are_asked_for_by_updated_at_and_open_alerts_by_status(ops: JsmOps) -> None:
    responses.get(f"{ROOT}/v1/alerts", json={"values": [], "links": {}})
    list(JsmAlerts(ops).changed_since(NOW))
    list(JsmAlerts(ops).still_open())
    list(JsmAlerts(ops).by_ids(["a-1", "a-2"]))
    floor = int(NOW.timestamp() * 1000) - 10 * 60 * 1000
    queries = [_query(call)["query"] for call in responses.calls]
    assert queries == [
        [f"updatedAt>={floor}"],
        ["status:open"],
        ['(alertId:"a-1" OR alertId:"a-2")'],
    ]


@responses.activate
def test_a_page_past_the_offset_cap_is_never_asked_for(ops: JsmOps) -> None:
    # 20,000 alerts created in one millisecond: the keyset cannot move on, the offset grows.
    same = [_alert(n, minute=0) | {"id": f"same-{n}"} for n in range(100)]
    responses.get(f"{ROOT}/v1/alerts", json={"values": same, "links": {"next": "/v1/alerts?x"}})
    with pytest.raises(UpstreamError):
        for _batch in JsmAlerts(ops).scan_all():
            pass
    offsets = [int(_query(call)["offset"][0]) for call in responses.calls]
    assert max(offsets) + 100 < 20_000


@responses.activate
def test_per_team_reads_are_bounded_and_the_listing_then_partial(ops: JsmOps, settings) -> None:  # type: ignore[no-untyped-def]
    settings.JSM_TEAMS_PER_RUN = 2
    teams = [{"teamId": f"t{n}", "teamName": f"Team {n}"} for n in range(3)]
    responses.get(f"{ROOT}/v1/teams", json={"values": teams, "links": {}})
    responses.get(f"{ROOT}/v1/schedules", json={"values": [], "links": {}})
    for n in range(3):
        rule = {"recipient": {"type": "team", "id": f"t{n}"}, "delay": {"timeAmount": 5}}
        escalation = {"id": f"e{n}", "name": f"E{n}", "rules": [rule]}
        responses.get(
            f"{ROOT}/v1/teams/t{n}/escalations", json={"values": [escalation], "links": {}}
        )
    read = []
    with pytest.raises(ListingTruncated):
        for batch in ops.escalations():
            read += batch
    assert len(read) == 2
    assert all(record.links[0].relation == "team" for record in read)
    # Named from the teams' listing (the Ops API names no recipient).
    for record in read:
        recipient = record.raw["rules"][0]["recipient"]
        assert recipient["name"] == f"Team {recipient['id'][1:]}"
    escalation_calls = [c for c in responses.calls if "/escalations" in c.request.url]
    assert len(escalation_calls) == 2


@responses.activate
def test_a_401_from_the_ops_gateway_is_the_missing_role(ops: JsmOps) -> None:
    responses.get(f"{ROOT}/v1/schedules", status=401, body="Client must be authenticated")
    with pytest.raises(UpstreamError) as raised:
        list(ops.schedules())
    assert raised.value.kind == ErrorKind.FORBIDDEN
    responses.get(f"{ROOT}/v1/integrations", status=403, json={"message": "no"})
    with pytest.raises(UpstreamError) as refused:
        list(ops.integrations())
    assert refused.value.kind == ErrorKind.FORBIDDEN


@responses.activate
def test_a_noone_responder_is_a_gap_in_the_timeline(ops: JsmOps) -> None:
    schedule = {"id": "s1", "name": "Data on call", "enabled": True, "teamId": "t1"}
    responses.get(f"{ROOT}/v1/schedules", json={"values": [schedule], "links": {}})
    periods = [
        {
            "startDate": "2026-06-01T12:00:00Z",
            "endDate": "2026-06-06T12:00:00Z",
            "responder": {"type": "user", "id": "712020:a"},
        },
        {
            "startDate": "2026-06-06T12:00:00Z",
            "endDate": "2026-06-08T12:00:00Z",
            "responder": {"type": "noone"},
        },
        {
            "startDate": "2026-06-08T12:00:00Z",
            "endDate": "2026-06-15T12:00:00Z",
            "responder": {"type": "user", "id": "712020:b"},
        },
    ]
    line = {
        "startDate": "2026-06-01T12:00:00Z",
        "endDate": "2026-06-15T12:00:00Z",
        "finalTimeline": {"rotations": [{"id": "r", "name": "Daily", "periods": periods}]},
    }
    responses.get(f"{ROOT}/v1/schedules/s1/timeline", json=line)
    ((record,),) = list(ops.on_calls())
    assert (record.name, record.state) == ("Data on call", "gap")
    gaps = Timeline.from_json(record.facts["timeline"]).gaps()
    assert gaps == [(datetime(2026, 6, 6, 12, tzinfo=UTC), datetime(2026, 6, 8, 12, tzinfo=UTC))]
    assert _query(responses.calls[-1]) == {"interval": ["2"], "intervalUnit": ["weeks"]}
