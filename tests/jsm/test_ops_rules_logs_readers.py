"""JSM's team routing rules and audit logs against stubbed answers (``responses``): each team's
rules read in its block and linked to their team and to the escalation or schedule they route
to (nobody when ``notify`` names none); the audit logs read newest first and bounded, the
listing cut when upstream holds more, an entry without an id keyed by what it says."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from integrations.http import ErrorKind, UpstreamError
from integrations.providers.jsm.ops_mapping import (
    AUDIT_LOGS,
    ESCALATIONS,
    ROUTING_RULES,
    SCHEDULES,
    TEAMS,
    USERS,
    config_record,
    log_id,
)
from integrations.providers.jsm.ops_reader import JsmOps
from integrations.records import ListingTruncated
from tests.jsm.test_ops_readers import ROOT, ops  # noqa: F401  (the fixture)

TEAM = {"teamId": "t1", "teamName": "Payments"}


def _rule(n: int, notify: dict[str, str]) -> dict[str, object]:
    return {"id": f"rule-{n}", "name": f"Rule {n}", "order": n, "notify": notify}


def _log(n: int, **extra: object) -> dict[str, object]:
    return {
        "id": f"log-{n}",
        "createdAt": f"2026-05-01T10:{n % 60:02d}:00.000Z",
        "owner": {"accountId": f"acc-{n}", "name": f"Person {n}"},
        "log": f"Escalation [E{n}] was updated",
        **extra,
    }


def _teams(*teams: dict[str, str]) -> None:
    responses.get(f"{ROOT}/v1/teams", json={"values": list(teams), "links": {}})


@responses.activate
def test_routing_rules_are_read_per_team_and_linked_to_what_they_route_to(ops: JsmOps) -> None:  # noqa: F811
    other = {"teamId": "t2", "teamName": "Data"}
    _teams(TEAM, other)
    rules = [
        _rule(1, {"type": "escalation", "id": "esc-1"}),
        _rule(2, {"type": "none"}),
        _rule(3, {"type": "schedule", "id": "sch-1", "name": "Payments on call"}),
    ]
    responses.get(
        f"{ROOT}/v1/teams/t1/routing-rules",
        json={"values": rules[:2], "links": {"next": "/v1/teams/t1/routing-rules?offset=2"}},
    )
    responses.get(
        f"{ROOT}/v1/teams/t1/routing-rules?offset=2",
        json={"values": rules[2:], "links": {}},
        match=[responses.matchers.query_param_matcher({"offset": "2"})],
    )
    # A team deleted between the listing and its own call is passed over.
    responses.get(f"{ROOT}/v1/teams/t2/routing-rules", status=404, json={"message": "gone"})

    read = [record for page in ops.routing_rules() for record in page]

    assert [r.upstream_id for r in read] == ["rule-1", "rule-2", "rule-3"]
    assert [(r.team_id, r.team) for r in read] == [("t1", "Payments")] * 3
    assert [r.state for r in read] == ["routes", "nobody", "routes"]
    links = [[(link.relation, link.target_kind, link.target_id) for link in r.links] for r in read]
    assert links == [
        [("team", TEAMS, "t1"), ("notifies", ESCALATIONS, "esc-1")],
        [("team", TEAMS, "t1")],
        [("team", TEAMS, "t1"), ("notifies", SCHEDULES, "sch-1")],
    ]
    assert read[2].links[1].target_name == "Payments on call"


@responses.activate
def test_routing_rules_follow_the_teams_bound(ops: JsmOps, settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    settings.JSM_TEAMS_PER_RUN = 1
    _teams(TEAM, {"teamId": "t2", "teamName": "Data"})
    for team in ("t1", "t2"):
        responses.get(
            f"{ROOT}/v1/teams/{team}/routing-rules",
            json={"values": [_rule(1, {"type": "none"})], "links": {}},
        )
    with pytest.raises(ListingTruncated):
        list(ops.routing_rules())
    per_team = [c.request.url for c in responses.calls if "routing-rules" in c.request.url]
    assert len(per_team) == 1


def test_a_rule_s_mapping_takes_whatever_upstream_sent() -> None:
    odd = config_record(ROUTING_RULES, "r", {"notify": "escalation", "name": 7, "_team": None})
    assert (odd.name, odd.team_id, odd.state, odd.links) == ("", "", "nobody", ())
    unknown = config_record(ROUTING_RULES, "r", {"notify": {"type": "user", "id": "u1"}})
    assert unknown.state == "nobody" and unknown.links == ()


@responses.activate
def test_audit_logs_are_the_newest_entries_up_to_the_bound(ops: JsmOps, settings) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    settings.JSM_AUDIT_LOGS_PER_RUN = 3
    responses.get(
        f"{ROOT}/v1/logs",
        json={"values": [_log(9), _log(8)], "links": {"next": "/v1/logs?offset=2&size=3"}},
    )
    responses.get(
        f"{ROOT}/v1/logs?offset=2&size=3",
        json={"values": [_log(7), _log(6)], "links": {"next": "/v1/logs?offset=4&size=3"}},
        match=[responses.matchers.query_param_matcher({"offset": "2", "size": "3"})],
    )
    read: list[str] = []
    with pytest.raises(ListingTruncated):
        for page in ops.audit_logs():
            read += [record.upstream_id for record in page]
    assert read == ["log-9", "log-8", "log-7"]
    assert len(responses.calls) == 2  # the page past the bound is never asked for
    first = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert first == {"order": ["desc"], "size": ["3"], "offset": ["0"]}


@responses.activate
def test_fewer_audit_logs_than_the_bound_are_the_whole_listing(ops: JsmOps) -> None:  # noqa: F811
    responses.get(f"{ROOT}/v1/logs", json={"values": [_log(1), _log(2)], "links": {}})
    ((first, second),) = list(ops.audit_logs())
    assert first.name == "2026-05-01 10:01 UTC · Escalation [E1] was updated"
    assert [
        (link.relation, link.target_kind, link.target_id, link.target_name) for link in first.links
    ] == [("by", USERS, "acc-1", "Person 1")]
    assert second.upstream_id == "log-2"


def test_an_entry_without_an_id_is_keyed_by_its_time_and_what_it_says() -> None:
    entry = {k: v for k, v in _log(1).items() if k != "id"}
    same = log_id(dict(entry))
    assert same == log_id(dict(entry)) and same.startswith("log:2026-05-01T10:01:00.000Z:")
    assert log_id({**entry, "log": "Schedule [S] was updated"}) != same
    assert log_id({"owner": "System"}) == ""  # neither time nor text: no key
    plain = config_record(AUDIT_LOGS, same, {**entry, "owner": "System", "createdAt": "bad"})
    assert plain.name == "Escalation [E1] was updated"
    assert [(link.target_kind, link.target_id) for link in plain.links] == [(USERS, "System")]


@responses.activate
def test_an_ops_gateway_401_on_the_logs_is_the_missing_role(ops: JsmOps) -> None:  # noqa: F811
    responses.get(f"{ROOT}/v1/logs", status=401, json={"message": "Unauthorized"})
    with pytest.raises(UpstreamError) as raised:
        list(ops.audit_logs())
    assert raised.value.kind == ErrorKind.FORBIDDEN
