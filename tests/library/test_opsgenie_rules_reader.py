"""The readers of OpsGenie's remaining configuration objects against recorded answers
(``responses``): what each call asks, how items become canonical records with their relations,
and the bounds (a team's newest logs, users per run)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from integrations.http import UpstreamError
from integrations.providers.opsgenie.client import OpsgenieClient
from integrations.providers.opsgenie.config_reader import OpsgenieConfig
from integrations.providers.opsgenie.rules_reader import TEAM_LOGS, OpsgenieRules
from integrations.records import ListingTruncated

BASE = "https://api.opsgenie.com"
TEAM = {"id": "t1", "name": "Platform", "members": []}


def reader(clock: datetime | None = None) -> OpsgenieRules:
    client = OpsgenieClient(api_key="k", region="us", max_attempts=1)
    moment = clock or datetime(2026, 6, 1, tzinfo=UTC)
    return OpsgenieRules(OpsgenieConfig(client), clock=lambda: moment)


def teams(*details: dict) -> None:
    responses.get(f"{BASE}/v2/teams", json={"data": [{"id": d["id"]} for d in details]})
    for detail in details:
        responses.get(f"{BASE}/v2/teams/{detail['id']}", json={"data": detail})


def every(pages) -> list:  # type: ignore[no-untyped-def]
    return [record for page in pages for record in page]


@responses.activate
def test_routing_rules_name_their_team_and_what_they_route_to() -> None:
    teams(TEAM)
    rules = [
        {"id": "r1", "name": "P1 first", "order": 0,
         "notify": {"type": "schedule", "id": "s1", "name": "Platform on call"}},
        {"id": "r2", "name": "Default", "isDefault": True, "order": 1, "notify": {"type": "none"}},
    ]  # fmt: skip
    responses.get(f"{BASE}/v2/teams/t1/routing-rules", json={"data": rules})

    found = every(reader().routing_rules())

    assert [(r.upstream_id, r.name, r.team, r.state) for r in found] == [
        ("r1", "P1 first", "Platform", "routes"),
        ("r2", "Default", "Platform", "nobody"),
    ]
    assert {(link.relation, link.target_kind, link.target_id) for link in found[0].links} == {
        ("team", "teams", "t1"),
        ("notifies", "schedules", "s1"),
    }
    asked = parse_qs(urlparse(responses.calls[-1].request.url).query)
    assert asked == {"teamIdentifierType": ["id"]}


@responses.activate
def test_a_team_deleted_mid_run_is_passed_over() -> None:
    teams(TEAM, {"id": "t2", "name": "Gone", "members": []})
    responses.get(f"{BASE}/v2/teams/t1/roles", json={"data": [{"id": "role-1", "name": "IC"}]})
    responses.get(f"{BASE}/v2/teams/t2/roles", status=404, json={"message": "no such team"})

    found = every(reader().team_roles())

    assert [(r.name, r.team_id) for r in found] == [("IC", "t1")]


@responses.activate
def test_a_team_with_more_logs_than_the_bound_yields_them_then_says_the_listing_is_partial() -> (
    None
):
    teams(TEAM)
    logs = [
        {"owner": "ann@example.com", "log": f"change {n}",
         "createdDate": f"2026-05-01T10:{n // 60:02d}:{n % 60:02d}.000Z"}
        for n in range(TEAM_LOGS)
    ]  # fmt: skip
    responses.get(f"{BASE}/v2/teams/t1/logs", json={"data": {"offset": "x", "logs": logs}})
    pages = reader().team_logs()

    first = next(pages)
    with pytest.raises(ListingTruncated):
        next(pages)

    assert len(first) == TEAM_LOGS and first[0].name == "change 0"
    assert len({record.upstream_id for record in first}) == TEAM_LOGS
    asked = parse_qs(urlparse(responses.calls[-1].request.url).query)
    assert asked == {"identifierType": ["id"], "limit": ["100"], "order": ["desc"]}


@responses.activate
def test_account_listings_are_one_call_each() -> None:
    responses.get(
        f"{BASE}/v1/maintenance",
        json={"data": [{"id": "m1", "status": "active", "description": "Switch swap",
                        "time": {"type": "schedule"}}]},
    )  # fmt: skip
    responses.get(f"{BASE}/v2/roles", json={"data": [{"id": "c1", "name": "Auditor"}]})
    forwarding = {"id": "f1", "alias": "", "fromUser": {"id": "u1", "username": "ann@x.io"},
                  "toUser": {"id": "u2", "username": "bob@x.io"}}  # fmt: skip
    responses.get(f"{BASE}/v2/forwarding-rules", json={"data": [forwarding]})
    read = reader()

    maintenance = every(read.maintenances())[0]
    role = every(read.custom_roles())[0]
    rule = every(read.forwarding_rules())[0]

    assert (maintenance.name, maintenance.state) == ("Switch swap", "active")
    assert parse_qs(urlparse(responses.calls[0].request.url).query) == {"type": ["all"]}
    assert role.name == "Auditor"
    assert rule.name == "ann@x.io → bob@x.io"
    assert [(link.relation, link.target_id) for link in rule.links] == [
        ("from_user", "u1"),
        ("to_user", "u2"),
    ]
    assert len(responses.calls) == 3


def users_listing(count: int) -> None:
    users = [{"id": f"u{n}", "username": f"user{n:02d}@example.com"} for n in range(count)]
    responses.get(f"{BASE}/v2/users", json={"data": users, "paging": {}})


@responses.activate
def test_each_users_rules_and_contacts_name_the_user_and_the_users_are_listed_once() -> None:
    users_listing(2)
    for n in range(2):
        responses.get(
            f"{BASE}/v2/users/u{n}/notification-rules",
            json={"data": [{"id": f"nr{n}", "name": "New Alert", "enabled": n == 0}]},
        )
        responses.get(
            f"{BASE}/v2/users/u{n}/contacts",
            json={"data": [{"id": f"c{n}", "method": "sms", "to": "1-555",
                            "status": {"enabled": True}}]},
        )  # fmt: skip
    read = reader()

    rules = every(read.notification_rules())
    contacts = every(read.contacts())

    assert [(r.name, r.state) for r in rules] == [
        ("New Alert — user00@example.com", "enabled"),
        ("New Alert — user01@example.com", "disabled"),
    ]
    assert [(c.name, c.state) for c in contacts][0] == ("sms — user00@example.com", "enabled")
    assert [(link.relation, link.target_kind, link.target_id) for link in rules[1].links] == [
        ("user", "users", "u1")
    ]
    listings = [call for call in responses.calls if urlparse(call.request.url).path == "/v2/users"]
    assert len(listings) == 1  # 1 listing + 2 rules + 2 contacts
    assert len(responses.calls) == 5


@responses.activate
def test_past_the_user_bound_a_run_reads_a_rotating_block_and_says_it_is_partial(
    settings,
) -> None:
    settings.OPSGENIE_USERS_PER_RUN = 2
    users_listing(5)
    for n in range(5):
        responses.get(f"{BASE}/v2/users/u{n}/contacts", json={"data": []})

    def read_at(hour: int) -> list[str]:
        before = len(responses.calls)
        with pytest.raises(ListingTruncated):
            every(reader(datetime(2026, 6, 1, hour, tzinfo=UTC)).contacts())
        paths = [urlparse(call.request.url).path for call in responses.calls[before:]]
        return [path.split("/")[3] for path in paths if path.endswith("/contacts")]

    # Blocks of two: u0-u1, u2-u3, u4; each hour the next.
    blocks = [read_at(hour) for hour in range(3)]

    assert sorted(user for block in blocks for user in block) == [f"u{n}" for n in range(5)]
    assert all(1 <= len(block) <= 2 for block in blocks)


@responses.activate
def test_an_item_without_its_id_is_malformed() -> None:
    responses.get(f"{BASE}/v2/roles", json={"data": [{"name": "No id"}]})

    with pytest.raises(UpstreamError):
        every(reader().custom_roles())
