"""PagerDuty's accounts reader and mapping against `responses`: /users by classic offset paging
with include[]=teams (one call per hundred users, none per team), and the mapping of the eight
roles, pending invitations, teams and missing e-mails."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from integrations.http import CallStats, ErrorKind, UpstreamError
from integrations.providers.pagerduty.client import PagerDutyClient
from integrations.providers.pagerduty.mapping import account_record
from integrations.providers.pagerduty.source import PagerDutyIncidentSource
from integrations.records import ListingTruncated

US = "https://api.pagerduty.com"
EU = "https://api.eu.pagerduty.com"
ROLES = (
    "owner",
    "admin",
    "user",
    "limited_user",
    "observer",
    "restricted_access",
    "read_only_user",
    "read_only_limited_user",
)


def user(n: int, **extra: object) -> dict:
    return {
        "id": f"PU{n:05d}",
        "type": "user",
        "summary": f"Person {n}",
        "name": f"Person {n}",
        "email": f"person{n}@example.com",
        "role": ROLES[n % len(ROLES)],
        "invitation_sent": False,
        "html_url": f"https://acme.pagerduty.com/users/PU{n:05d}",
        "teams": [],
        **extra,
    }


def _source(*, region: str = "us", token: str | None = None) -> PagerDutyIncidentSource:
    client = PagerDutyClient(region=region, api_key=None if token else "k" * 20, access_token=token)
    source = PagerDutyIncidentSource(client)
    return source.counted(stats=CallStats(), sleep=lambda _s: None)  # type: ignore[return-value]


def _users(mocked: responses.RequestsMock, base: str, users: list[dict]) -> list[dict]:
    asked: list[dict] = []

    def listing(request):  # type: ignore[no-untyped-def]
        query = parse_qs(urlsplit(request.url).query)
        asked.append(query)
        offset, limit = int(query["offset"][0]), int(query["limit"][0])
        body = {
            "users": users[offset : offset + limit],
            "limit": limit,
            "offset": offset,
            "more": offset + limit < len(users),
            "total": None,
        }
        return 200, {}, json.dumps(body)

    mocked.add_callback(responses.GET, f"{base}/users", callback=listing)
    return asked


@responses.activate
def test_it_reads_every_user_a_hundred_a_page_with_teams_included() -> None:
    asked = _users(responses.mock, US, [user(n) for n in range(230)])

    pages = list(_source().accounts())

    assert [len(page) for page in pages] == [100, 100, 30]
    assert [q["offset"] for q in asked] == [["0"], ["100"], ["200"]]
    assert all(q["limit"] == ["100"] and q["include[]"] == ["teams"] for q in asked)
    assert len(responses.calls) == 3  # no call per team
    request = responses.calls[0].request
    assert request.headers["Authorization"] == "Token token=" + "k" * 20
    assert request.headers["Accept"] == "application/vnd.pagerduty+json;version=2"


@responses.activate
def test_an_oauth_connection_reads_its_region_with_its_bearer_token() -> None:
    _users(responses.mock, EU, [user(1)])

    list(_source(region="eu", token="pdus+_tok").accounts())

    request = responses.calls[0].request
    assert request.url.startswith(EU + "/users?")
    assert request.headers["Authorization"] == "Bearer pdus+_tok"


@responses.activate
def test_a_token_without_users_read_is_refused_at_once() -> None:
    body = {"error": {"message": "Access Denied", "code": 2010}}
    responses.get(f"{US}/users", status=403, json=body)

    with pytest.raises(UpstreamError) as raised:
        list(_source(token="pdus+_tok").accounts())

    assert raised.value.kind == ErrorKind.FORBIDDEN
    assert len(responses.calls) == 1


@responses.activate
def test_a_listing_past_the_offset_cap_is_truncated_not_complete() -> None:
    def always_more(request):  # type: ignore[no-untyped-def]
        offset = int(parse_qs(urlsplit(request.url).query)["offset"][0])
        users = [user(offset + n) for n in range(100)]
        return 200, {}, json.dumps({"users": users, "more": True, "offset": offset, "limit": 100})

    responses.add_callback(responses.GET, f"{US}/users", callback=always_more)

    read = 0
    with pytest.raises(ListingTruncated):
        for page in _source().accounts():
            read += len(page)
    assert read == 10_000  # every page the cap allows, then a listing nobody may prune by


@pytest.mark.parametrize("role", ROLES)
def test_every_role_is_kept_as_the_api_names_it(role: str) -> None:
    assert account_record(user(1, role=role)).role == role


def test_a_pending_invitation_and_the_web_link_are_kept() -> None:
    record = account_record(user(2, invitation_sent=True))

    assert record.invitation_pending is True
    assert record.upstream_url == "https://acme.pagerduty.com/users/PU00002"
    assert record.blocked is False and record.verified is None


def test_teams_are_named_whether_included_or_referenced() -> None:
    included = {"id": "PT1", "type": "team", "name": "Équipe Support", "summary": "Équipe Support"}
    referenced = {"id": "PT2", "type": "team_reference", "summary": "SRE"}

    record = account_record(user(3, teams=[referenced, included, referenced]))

    assert record.teams == ("SRE", "Équipe Support")


def test_a_user_without_an_email_is_kept_by_its_name() -> None:
    raw = user(4)
    del raw["email"]
    record = account_record(raw)

    assert (record.email, record.name) == ("", "Person 4")
    assert account_record({"id": "PU9", "email": "ops@example.com"}).name == "ops@example.com"


def test_an_unsafe_web_link_is_dropped() -> None:
    assert account_record(user(5, html_url="javascript:alert(1)")).upstream_url == ""


def test_a_user_without_an_id_is_malformed() -> None:
    with pytest.raises(UpstreamError) as raised:
        account_record({"email": "x@example.com"})
    assert raised.value.kind == ErrorKind.MALFORMED
