"""Users, teams and services: the configuration endpoints the access review reads."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from integrations.sandbox.server import SandboxServer
from tests.sandbox.support import USERS, call


def test_users_come_a_hundred_per_page_sorted_by_username(sandbox: SandboxServer):
    body = call(sandbox, "/v2/users").json()

    assert body["totalCount"] == USERS
    usernames = [user["username"] for user in body["data"]]
    assert usernames == sorted(usernames)
    assert "next" not in body["paging"]
    assert parse_qs(urlsplit(body["paging"]["first"]).query)["limit"] == ["100"]


def test_users_page_with_offset_and_limit(sandbox: SandboxServer):
    first = call(sandbox, "/v2/users", limit=10).json()
    second = call(sandbox, "/v2/users", limit=10, offset=10).json()

    assert len(first["data"]) == len(second["data"]) == 10
    assert first["paging"]["next"].endswith("offset=10&limit=10&sort=username&order=asc")
    assert not {u["id"] for u in first["data"]} & {u["id"] for u in second["data"]}


def test_users_accept_both_sort_and_sort_field(sandbox: SandboxServer):
    by_sort = call(sandbox, "/v2/users", sort="fullName", order="desc").json()
    by_sort_field = call(sandbox, "/v2/users", sortField="fullName", order="desc").json()

    names = [u["fullName"].casefold() for u in by_sort["data"]]
    assert names == sorted(names, reverse=True)
    assert by_sort_field["data"] == by_sort["data"]
    assert "sortField=fullName" in by_sort_field["paging"]["first"]


def test_users_have_an_email_username_and_a_role(sandbox: SandboxServer):
    users = call(sandbox, "/v2/users").json()["data"]

    assert all("@" in user["username"] for user in users)
    roles = {user["role"]["name"] for user in users}
    assert {"Owner", "Admin", "User"} <= roles
    assert all({"blocked", "verified", "createdAt", "timeZone", "locale"} <= set(u) for u in users)


def test_users_reject_an_unknown_sort_field(sandbox: SandboxServer):
    response = call(sandbox, "/v2/users", sort="shoeSize")

    assert response.status_code == 422
    assert "sort" in response.json()["errors"]


def test_teams_are_listed_without_paging(sandbox: SandboxServer):
    body = call(sandbox, "/v2/teams").json()

    assert "paging" not in body
    assert body["data"]
    for team in body["data"]:
        assert set(team) == {"id", "name", "description", "links"}
        assert team["links"]["api"] == f"{sandbox.opsgenie_url('us')}/v2/teams/{team['id']}"


def test_services_page_twenty_at_a_time_sorted_by_name(sandbox: SandboxServer):
    first = call(sandbox, "/v1/services", limit=5).json()
    services = first["data"] + call(sandbox, "/v1/services", limit=100, offset=5).json()["data"]

    assert first["totalCount"] == len(services)
    names = [s["name"].casefold() for s in services]
    assert names == sorted(names)
    assert "next" in first["paging"]


def test_services_reject_an_offset_at_the_upstream_cap(sandbox: SandboxServer):
    assert call(sandbox, "/v1/services", offset=20000).status_code == 422


def test_a_team_names_its_members_with_their_team_roles(sandbox: SandboxServer):
    store = sandbox.opsgenie_stores["us"]
    usernames = {user["id"]: user["username"] for user in store.users()}
    seen = 0
    for team in call(sandbox, "/v2/teams").json()["data"]:
        body = call(sandbox, f"/v2/teams/{team['id']}").json()["data"]
        assert {"id", "name", "description", "links", "members"} <= set(body)
        for member in body["members"]:
            assert member["user"]["username"] == usernames[member["user"]["id"]]
            assert member["role"]
            seen += 1
    assert seen  # people are in teams
    roles = {place[1] for places in store.dataset.memberships.values() for place in places}
    assert {"user", "admin"} <= roles


def test_a_team_is_found_by_name_too(sandbox: SandboxServer):
    team = call(sandbox, "/v2/teams").json()["data"][-1]  # "Équipe Support": accents and a space
    by_name = call(sandbox, f"/v2/teams/{team['name']}", identifierType="name").json()["data"]

    assert by_name["id"] == team["id"]
    assert call(sandbox, "/v2/teams/nope", identifierType="name").status_code == 404
    assert call(sandbox, f"/v2/teams/{team['id']}", identifierType="shoe").status_code == 422


def test_a_users_teams_agree_with_the_teams_members(sandbox: SandboxServer):
    users = call(sandbox, "/v2/users").json()["data"]
    teams = call(sandbox, "/v2/teams").json()["data"]
    members = {
        team["id"]: {
            m["user"]["id"]
            for m in call(sandbox, f"/v2/teams/{team['id']}").json()["data"]["members"]
        }
        for team in teams
    }
    for user in users[:8]:
        by_id = call(sandbox, f"/v2/users/{user['id']}/teams").json()["data"]
        by_username = call(sandbox, f"/v2/users/{user['username']}/teams").json()["data"]
        assert by_id == by_username
        assert {t["id"] for t in by_id} == {t for t, ids in members.items() if user["id"] in ids}
        assert all(set(team) == {"id", "name"} for team in by_id)
    assert call(sandbox, "/v2/users/nobody@example.com/teams").status_code == 404


def test_users_carry_custom_roles_blocked_and_unverified_people(sandbox: SandboxServer):
    users = call(sandbox, "/v2/users").json()["data"]

    custom = [u["role"] for u in users if u["role"]["name"] not in ("Owner", "Admin", "User")]
    assert custom and all(role["id"] != role["name"] for role in custom)  # an id of its own
    assert any(u["blocked"] for u in users)
    assert any(not u["verified"] for u in users)
    assert any(u["fullName"] != u["fullName"].encode("ascii", "ignore").decode() for u in users)


def test_a_key_without_configuration_access_reads_incidents_but_not_users_or_teams(
    sandbox: SandboxServer,
):
    assert call(sandbox, "/v1/incidents", key="incidents_only").status_code == 200
    for path in ("/v2/users", "/v2/teams", "/v1/services"):
        response = call(sandbox, path, key="incidents_only")
        assert response.status_code == 403, path
        assert response.json()["code"] == 40301
    team = sandbox.opsgenie_stores["us"].teams()[0]
    assert call(sandbox, f"/v2/teams/{team['id']}", key="incidents_only").status_code == 403
