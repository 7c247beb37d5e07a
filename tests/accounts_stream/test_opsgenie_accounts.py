"""OpsGenie's accounts reader and mapping against `responses`: the users listing with its
paging links, the teams read once per run from the teams' side, and the mapping of roles
(built-in and custom), blocked, unverified and missing e-mails."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from integrations.http import CallStats, ErrorKind, UpstreamError
from integrations.providers.opsgenie.client import OpsgenieClient
from integrations.providers.opsgenie.mapping import account_record
from integrations.providers.opsgenie.source import OpsgenieSource
from integrations.records import AccountRecord

US = "https://api.opsgenie.com"
EU = "https://api.eu.opsgenie.com"
KEY = "0b1c2d3e-0000-4000-8000-000000000001"


def user(n: int, **extra: object) -> dict:
    return {
        "id": f"u{n}",
        "username": f"person{n}@example.com",
        "fullName": f"Person {n}",
        "role": {"id": "User", "name": "User"},
        "blocked": False,
        "verified": True,
        "createdAt": "2025-01-02T03:04:05.678Z",
        **extra,
    }


def _source(region: str = "us") -> OpsgenieSource:
    source = OpsgenieSource(OpsgenieClient(api_key=KEY, region=region))
    return source.counted(stats=CallStats(), sleep=lambda _s: None)  # type: ignore[return-value]


def _teams(mocked: responses.RequestsMock, base: str, teams: dict[str, list[dict]]) -> None:
    listing = [{"id": f"t-{name}", "name": name, "description": ""} for name in teams]
    mocked.get(f"{base}/v2/teams", json={"data": listing, "took": 0.01, "requestId": "r"})
    for name, members in teams.items():
        mocked.get(
            f"{base}/v2/teams/t-{name}",
            match=[responses.matchers.query_param_matcher({"identifierType": "id"})],
            json={"data": {"id": f"t-{name}", "name": name, "members": members}},
        )


def _member(n: int, role: str = "user") -> dict:
    return {"user": {"id": f"u{n}", "username": f"person{n}@example.com"}, "role": role}


def _users(mocked: responses.RequestsMock, base: str, users: list[dict], limit: int = 100) -> None:
    """/v2/users as OpsGenie pages it: absolute `paging.next` links until the last page."""

    def listing(request):  # type: ignore[no-untyped-def]
        query = parse_qs(urlsplit(request.url).query)
        offset, size = int(query["offset"][0]), int(query["limit"][0])
        assert size == limit
        paging = {"first": f"{base}/v2/users?offset=0&limit={size}"}
        if offset + size < len(users):
            paging["next"] = f"{base}/v2/users?offset={offset + size}&limit={size}"
        body = {"data": users[offset : offset + size], "paging": paging, "totalCount": len(users)}
        return 200, {}, json.dumps(body)

    mocked.add_callback(responses.GET, f"{base}/v2/users", callback=listing)


@responses.activate
def test_it_reads_every_user_a_hundred_a_page_with_their_teams_from_one_read_per_team() -> None:
    users = [user(n) for n in range(250)]
    _teams(responses.mock, US, {"Platform": [_member(1), _member(2, "admin")], "SRE": [_member(1)]})
    _users(responses.mock, US, users)

    pages = list(_source().accounts())

    assert [len(page) for page in pages] == [100, 100, 50]
    records = {record.upstream_id: record for page in pages for record in page}
    assert len(records) == 250
    assert records["u1"].teams == ("Platform", "SRE")
    assert records["u2"].teams == ("Platform",)
    assert records["u3"].teams == ()
    calls = [call.request for call in responses.calls]
    # Teams once (the list, then each team), then the users: no call per user.
    assert [urlsplit(c.url).path for c in calls] == [
        "/v2/teams",
        "/v2/teams/t-Platform",
        "/v2/teams/t-SRE",
        "/v2/users",
        "/v2/users",
        "/v2/users",
    ]
    assert all(c.headers["Authorization"] == f"GenieKey {KEY}" for c in calls)


@responses.activate
def test_it_reads_the_region_of_the_key() -> None:
    _teams(responses.mock, EU, {})
    _users(responses.mock, EU, [user(1)])

    (page,) = list(_source("eu").accounts())

    assert [record.email for record in page] == ["person1@example.com"]
    assert all(call.request.url.startswith(EU + "/") for call in responses.calls)


@responses.activate
def test_a_second_reading_in_the_same_run_reads_the_teams_no_more() -> None:
    _teams(responses.mock, US, {"Data": [_member(1)]})
    _users(responses.mock, US, [user(1)])
    source = _source()

    list(source.accounts())
    again = [record for page in source.accounts() for record in page]

    assert again[0].teams == ("Data",)
    paths = [urlsplit(call.request.url).path for call in responses.calls]
    assert paths.count("/v2/teams") == 1 and paths.count("/v2/users") == 2


@responses.activate
def test_a_paging_link_to_another_host_stops_the_listing() -> None:
    _teams(responses.mock, US, {})
    responses.get(
        f"{US}/v2/users",
        json={"data": [user(1)], "paging": {"next": "https://evil.example.com/v2/users"}},
    )

    with pytest.raises(UpstreamError) as raised:
        list(_source().accounts())

    assert raised.value.kind == ErrorKind.MALFORMED
    assert not any("evil" in call.request.url for call in responses.calls)


@responses.activate
def test_a_key_without_configuration_access_is_refused_on_the_teams_at_once() -> None:
    responses.get(
        f"{US}/v2/teams",
        status=403,
        json={"code": 40301, "message": "You are not authorized", "took": 0, "requestId": "r"},
    )

    with pytest.raises(UpstreamError) as raised:
        list(_source().accounts())

    assert raised.value.kind == ErrorKind.FORBIDDEN
    assert len(responses.calls) == 1  # 403 is permanent: not retried


def test_built_in_and_custom_roles_map_to_their_names() -> None:
    owner = account_record(user(1, role={"id": "Owner", "name": "Owner"}))
    custom = account_record(user(2, role={"id": "7d9c-…", "name": "Auditor"}))
    bare = account_record(user(3, role="Admin"))

    assert (owner.role, custom.role, bare.role) == ("Owner", "Auditor", "Admin")


def test_blocked_unverified_and_their_times_are_kept() -> None:
    record = account_record(user(4, blocked=True, verified=False))

    assert record == AccountRecord(
        upstream_id="u4",
        email="person4@example.com",
        name="Person 4",
        role="User",
        teams=(),
        invitation_pending=False,
        blocked=True,
        verified=False,
        created_at=datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        upstream_url="",
    )


def test_a_user_without_an_email_keeps_its_name_and_an_empty_email() -> None:
    no_username = account_record({"id": "u5", "fullName": "Build bot", "role": {"name": "User"}})
    not_an_email = account_record(user(6, username="svc-deploy"))
    too_long = account_record(user(7, username="a" * 250 + "@example.com"))

    assert (no_username.email, no_username.name) == ("", "Build bot")
    assert not_an_email.email == "" and not_an_email.name == "Person 6"
    assert too_long.email == ""  # a cut address could match someone else
    assert no_username.verified is None and no_username.created_at is None


def test_teams_are_found_by_id_or_by_username_once_each() -> None:
    teams = {"u8": ["SRE", "Équipe Support"], "person8@example.com": ["SRE", "Data"]}

    record = account_record(user(8), teams=teams)

    assert record.teams == ("Data", "SRE", "Équipe Support")


def test_untrusted_text_is_kept_as_given_but_bounded() -> None:
    record = account_record(user(9, fullName="Bobby <b>Tables</b>'); --" + "x" * 500))

    assert record.name.startswith("Bobby <b>Tables</b>'); --")
    assert len(record.name) == 200


def test_a_user_without_an_id_is_malformed() -> None:
    with pytest.raises(UpstreamError) as raised:
        account_record({"username": "x@example.com"})
    assert raised.value.kind == ErrorKind.MALFORMED
