"""The sandbox's remaining OpsGenie configuration listings: team routing rules, roles and logs,
maintenances, custom user roles, forwarding rules, a user's notification rules and contacts.
Field names and envelopes as OpsGenie's OpenAPI definitions give them, 404 and 422 with
upstream's error body, 403 without Configuration access, and the same data from the same seed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.sandbox.server import SandboxServer
from tests.sandbox.test_opsgenie_config_objects import get

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sandbox():  # type: ignore[no-untyped-def]
    server = SandboxServer(seed=11, incidents=5, users=12, now=NOW, alerts=0).start()
    yield server
    server.stop()


def team_id(sandbox: SandboxServer, name: str = "Platform", region: str = "us") -> str:
    key = "us" if region == "us" else "eu"
    teams = get(sandbox, "/v2/teams", key=key, region=region).json()["data"]
    return next(team["id"] for team in teams if team["name"] == name)


def test_a_teams_routing_rules_go_to_its_schedule_then_its_escalation(sandbox) -> None:  # type: ignore[no-untyped-def]
    team = team_id(sandbox)
    body = get(sandbox, f"/v2/teams/{team}/routing-rules").json()
    by_name = get(sandbox, "/v2/teams/Platform/routing-rules", teamIdentifierType="name").json()

    rules = body["data"]
    assert {"took", "requestId"} <= set(body)
    assert [r["order"] for r in rules] == sorted(r["order"] for r in rules)
    assert {"id", "name", "isDefault", "order", "criteria", "timezone", "notify"} <= set(rules[0])
    assert [(r["isDefault"], r["notify"]["type"]) for r in rules] == [
        (False, "schedule"),
        (True, "escalation"),
    ]
    assert rules[1]["notify"]["name"] == "Platform_escalation"
    assert by_name["data"] == rules


def test_the_team_without_an_escalation_routes_to_nobody(sandbox) -> None:  # type: ignore[no-untyped-def]
    team = team_id(sandbox, "Équipe Support")

    rules = get(sandbox, f"/v2/teams/{team}/routing-rules").json()["data"]

    assert [r["notify"] for r in rules] == [{"type": "none"}]


def test_team_roles_list_their_rights(sandbox) -> None:  # type: ignore[no-untyped-def]
    roles = get(sandbox, f"/v2/teams/{team_id(sandbox)}/roles").json()["data"]

    assert [role["name"] for role in roles] == ["Incident commander"]
    rights = {right["right"]: right["granted"] for right in roles[0]["rights"]}
    assert rights["edit-routing-rules"] is True and set(map(type, rights.values())) == {bool}


def test_team_logs_page_by_their_offset_key_newest_first(sandbox) -> None:  # type: ignore[no-untyped-def]
    team = team_id(sandbox)
    whole = get(sandbox, f"/v2/teams/{team}/logs", limit=100).json()["data"]["logs"]

    pages, key = [], ""
    while True:
        data = get(sandbox, f"/v2/teams/{team}/logs", limit=2, offset=key).json()["data"]
        if not data["logs"]:
            break
        pages += data["logs"]
        key = data["offset"]
    oldest_first = get(sandbox, f"/v2/teams/{team}/logs", limit=100, order="asc").json()

    assert pages == whole and len(whole) >= 3
    assert {"owner", "createdDate", "log"} == set(whole[0])
    assert [log["createdDate"] for log in whole] == sorted(
        (log["createdDate"] for log in whole), reverse=True
    )
    assert oldest_first["data"]["logs"] == list(reversed(whole))


def test_maintenances_filter_by_type_and_carry_their_window(sandbox) -> None:  # type: ignore[no-untyped-def]
    every = get(sandbox, "/v1/maintenance").json()["data"]
    past = get(sandbox, "/v1/maintenance", type="past").json()["data"]
    coming = get(sandbox, "/v1/maintenance", type="non-expired").json()["data"]
    one = get(sandbox, f"/v1/maintenance/{every[0]['id']}").json()["data"]

    assert sorted(m["status"] for m in every) == ["active", "cancelled", "past", "planned"]
    assert [m["status"] for m in past] == ["past"]
    assert sorted(m["status"] for m in coming) == ["active", "planned"]
    assert {"type", "startDate", "endDate"} == set(every[0]["time"])
    assert one["id"] == every[0]["id"] and one["rules"] == []


def test_custom_roles_and_forwarding_rules_name_the_accounts_people(sandbox) -> None:  # type: ignore[no-untyped-def]
    roles = get(sandbox, "/v2/roles").json()["data"]
    rules = get(sandbox, "/v2/forwarding-rules").json()["data"]
    people = get(sandbox, "/v2/users").json()["data"]
    users = {u["id"]: u["username"] for u in people}

    assert {r["name"] for r in roles} == {"Auditor", "Change approver"}
    assert {"id", "name", "extendedRole", "grantedRights", "disallowedRights"} <= set(roles[0])
    # The users holding the custom role hold the listed one.
    auditor = next(r for r in roles if r["name"] == "Auditor")
    held = {u["role"]["id"] for u in people if u["role"]["name"] == "Auditor"}
    assert held <= {auditor["id"]}
    assert rules
    for rule in rules:
        assert users[rule["fromUser"]["id"]] == rule["fromUser"]["username"]
        assert users[rule["toUser"]["id"]] == rule["toUser"]["username"]
        assert {"id", "alias", "startDate", "endDate"} <= set(rule)


def test_a_users_rules_and_contacts_by_id_or_username(sandbox) -> None:  # type: ignore[no-untyped-def]
    user = get(sandbox, "/v2/users").json()["data"][0]

    rules = get(sandbox, f"/v2/users/{user['id']}/notification-rules").json()["data"]
    again = get(sandbox, f"/v2/users/{user['username']}/notification-rules").json()["data"]
    contacts = get(sandbox, f"/v2/users/{user['id']}/contacts").json()["data"]

    assert rules == again
    assert [r["actionType"] for r in rules][:3] == [
        "create-alert",
        "renotified-alert",
        "schedule-start",
    ]
    assert {"id", "name", "actionType", "order", "enabled"} == set(rules[0])
    assert contacts[0]["method"] == "email" and contacts[0]["to"] == user["username"]
    assert {"id", "method", "to", "status", "applyOrder"} == set(contacts[0])


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/maintenance", {"type": "soon"}, "type"),
        ("/v2/teams/Platform/routing-rules", {"teamIdentifierType": "tiny"}, "teamIdentifierType"),
        ("/v2/teams/Platform/logs", {"identifierType": "name", "limit": "0"}, "limit"),
        ("/v2/teams/Platform/logs", {"identifierType": "name", "order": "up"}, "order"),
        ("/v2/teams/Platform/logs", {"identifierType": "name", "offset": "abc"}, "offset"),
    ],
)
def test_parameters_it_cannot_honour_answer_422(sandbox, path, params, field) -> None:  # type: ignore[no-untyped-def]
    answer = get(sandbox, path, **params)

    assert answer.status_code == 422
    body = answer.json()
    assert body["message"] == "Request body is not processable. Please check the errors."
    assert field in body["errors"] and "requestId" in body


@pytest.mark.parametrize(
    "path",
    [
        "/v2/teams/nope/routing-rules",
        "/v2/teams/nope/roles",
        "/v2/teams/nope/logs",
        "/v2/users/nobody@example.com/contacts",
        "/v2/users/nobody@example.com/notification-rules",
        "/v1/maintenance/nope",
    ],
)
def test_an_unknown_team_user_or_maintenance_is_404(sandbox, path) -> None:  # type: ignore[no-untyped-def]
    answer = get(sandbox, path)

    assert answer.status_code == 404
    assert {"message", "took", "requestId"} <= set(answer.json())


@pytest.mark.parametrize(
    "path",
    ["/v1/maintenance", "/v2/roles", "/v2/forwarding-rules", "/v2/teams/x/routing-rules"],
)
def test_a_key_without_configuration_access_is_refused(sandbox, path) -> None:  # type: ignore[no-untyped-def]
    answer = get(sandbox, path, key="incidents_only")

    assert answer.status_code == 403 and answer.json()["code"] == 40301


def test_the_same_seed_draws_the_same_rules_and_each_region_its_own(sandbox) -> None:  # type: ignore[no-untyped-def]
    other = SandboxServer(seed=11, incidents=5, users=12, now=NOW, alerts=0).start()
    try:
        again = get(other, "/v2/forwarding-rules").json()["data"]
    finally:
        other.stop()
    us = get(sandbox, "/v2/forwarding-rules").json()["data"]
    eu = get(sandbox, "/v2/forwarding-rules", key="eu", region="eu").json()["data"]

    assert again == us
    assert {r["id"] for r in eu}.isdisjoint({r["id"] for r in us})
