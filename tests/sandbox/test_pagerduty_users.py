"""PagerDuty's users and team members as the accounts stream reads them (reference §4.2–4.3)."""

from __future__ import annotations

from integrations.providers.pagerduty.sandbox.data import USER_ROLES
from integrations.sandbox.server import SandboxServer
from tests.sandbox.pagerduty_support import pd_call


def _all_users(sandbox: SandboxServer, **params: object) -> list[dict]:
    users, offset = [], 0
    while True:
        body = pd_call(sandbox, "/users", limit=10, offset=offset, **params).json()
        users += body["users"]
        if not body["more"]:
            return users
        offset += 10


def test_users_page_by_offset_until_more_is_false(sandbox: SandboxServer):
    users = _all_users(sandbox)

    assert len(users) == len(sandbox.pagerduty_stores["us"].users())
    assert len({u["id"] for u in users}) == len(users)
    assert pd_call(sandbox, "/users", limit=100).json()["more"] is False


def test_every_role_of_the_spec_appears(sandbox: SandboxServer):
    roles = {user["role"] for user in _all_users(sandbox)}

    assert roles == set(USER_ROLES)


def test_users_name_teams_by_reference_unless_teams_are_included(sandbox: SandboxServer):
    plain = pd_call(sandbox, "/users", limit=100).json()["users"]
    included = pd_call(sandbox, "/users", params=[("include[]", "teams")], limit=100).json()[
        "users"
    ]

    member = next(u for u in plain if u["teams"])
    assert member["teams"][0]["type"] == "team_reference"
    full = next(u for u in included if u["id"] == member["id"])["teams"][0]
    assert full["type"] == "team" and full["name"] == member["teams"][0]["summary"]
    assert full["self"].startswith(sandbox.pagerduty_url("us"))  # links point back here
    assert all("html_url" in u and "invitation_sent" in u for u in included)


def test_an_unknown_include_is_refused(sandbox: SandboxServer):
    response = pd_call(sandbox, "/users", params=[("include[]", "secrets")])

    assert response.status_code == 400
    assert response.json()["error"]["code"] == 2001


def test_team_members_list_the_teams_people_with_a_team_role(sandbox: SandboxServer):
    users = pd_call(sandbox, "/users", limit=100).json()["users"]
    for team in sandbox.pagerduty_stores["us"].teams():
        body = pd_call(sandbox, f"/teams/{team['id']}/members", limit=100).json()
        expected = {u["id"] for u in users if any(t["id"] == team["id"] for t in u["teams"])}
        assert {m["user"]["id"] for m in body["members"]} == expected
        assert all(m["role"] in ("observer", "responder", "manager") for m in body["members"])
        assert body["more"] is False
    assert pd_call(sandbox, "/teams/PNOSUCH/members").status_code == 404


def test_a_token_without_users_read_gets_403_on_users_but_reads_incidents(
    sandbox: SandboxServer,
):
    response = pd_call(sandbox, "/users", key="no_users_scope_oauth")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == 2010
    assert pd_call(sandbox, "/incidents", key="no_users_scope_oauth").status_code == 200
    assert pd_call(sandbox, "/services", key="no_users_scope_oauth").status_code == 200
