"""The sandbox's OpsGenie listings under a parent, and its incident templates: alert policies
(global and a team's), a schedule's overrides, a service's incident rules, the incident
templates paged. Field names and envelopes as OpsGenie's definitions give them, 404 and 422 with
upstream's error body, 403 without Configuration access, and the same data from the same seed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.sandbox.server import SandboxServer
from tests.sandbox.test_opsgenie_config_objects import get
from tests.sandbox.test_opsgenie_rules_api import team_id

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sandbox():  # type: ignore[no-untyped-def]
    server = SandboxServer(seed=11, incidents=5, users=12, now=NOW, alerts=0).start()
    yield server
    server.stop()


def test_global_and_team_alert_policies_list_their_summary(sandbox) -> None:  # type: ignore[no-untyped-def]
    body = get(sandbox, "/v2/policies/alert").json()
    team = get(sandbox, "/v2/policies/alert", teamId=team_id(sandbox)).json()["data"]
    support = get(sandbox, "/v2/policies/alert", teamId=team_id(sandbox, "Équipe Support"))
    one = get(sandbox, f"/v2/policies/{team[0]['id']}", teamId=team_id(sandbox)).json()["data"]

    assert {"took", "requestId"} <= set(body)
    assert [(p["name"], p["enabled"], p["type"]) for p in body["data"]] == [
        ("Tag production alerts", True, "alert"),
        ("Suppress load-test alerts", False, "alert"),
    ]
    assert set(body["data"][0]) == {"id", "name", "type", "enabled", "order"}
    assert [p["name"] for p in team] == ["Platform: P1 to the on-call"]
    assert support.json()["data"] == []
    assert one["teamId"] == team_id(sandbox) and one["policyDescription"]
    assert {"filter", "message", "priority"} <= set(one)


def test_a_schedules_overrides_name_a_participant_by_id_or_by_name(sandbox) -> None:  # type: ignore[no-untyped-def]
    schedules = get(sandbox, "/v2/schedules", expand="rotation").json()["data"]
    first = schedules[0]

    by_id = get(sandbox, f"/v2/schedules/{first['id']}/overrides").json()["data"]
    by_name = get(
        sandbox, f"/v2/schedules/{first['name']}/overrides", scheduleIdentifierType="name"
    ).json()["data"]
    last = get(sandbox, f"/v2/schedules/{schedules[-1]['id']}/overrides").json()["data"]

    assert by_id == by_name and len(by_id) == 1
    override = by_id[0]
    assert set(override) == {"_parent", "alias", "user", "startDate", "endDate", "rotations"}
    participants = {p["id"] for p in first["rotations"][0]["participants"]}
    assert override["user"]["type"] == "user" and override["user"]["id"] in participants
    assert override["rotations"] == [
        {"id": first["rotations"][0]["id"], "name": first["rotations"][0]["name"]}
    ]
    assert override["startDate"] < override["endDate"]
    assert last == []


def test_a_services_incident_rules_and_the_service_without_any(sandbox) -> None:  # type: ignore[no-untyped-def]
    services = get(sandbox, "/v1/services", limit=100).json()["data"]
    by_name = {s["name"]: s["id"] for s in services}
    payments = next(s for s in services if s["name"] != "Kundenportal")

    rules = get(sandbox, f"/v1/services/{payments['id']}/incident-rules").json()["data"]
    none = get(sandbox, f"/v1/services/{by_name['Kundenportal']}/incident-rules").json()["data"]

    assert none == []
    assert rules[0]["incidentProperties"]["priority"] == "P1"
    assert {"id", "order", "conditionMatchType", "conditions", "incidentProperties"} == set(
        rules[0]
    )
    assert rules[0]["incidentProperties"]["message"] == f"{payments['name']} is failing"


def test_incident_templates_page_by_offset_inside_data(sandbox) -> None:  # type: ignore[no-untyped-def]
    whole = get(sandbox, "/v1/incident-templates/", limit=100).json()
    first = get(sandbox, "/v1/incident-templates/", limit=2).json()
    after = get(sandbox, "/v1/incident-templates/", limit=2, offset=2).json()

    templates = whole["data"]["incidentTemplates"]
    assert [t["name"] for t in templates] == ["Degraded performance", "Outage", "Security event"]
    assert first["data"]["incidentTemplates"] + after["data"]["incidentTemplates"] == templates
    assert "offset=2" in first["paging"]["next"] and "next" not in after["paging"]
    assert {"id", "name", "message", "priority", "impactedServices", "stakeholderProperties"} <= (
        set(templates[0])
    )
    outage = next(t for t in templates if t["name"] == "Outage")
    services = {s["id"] for s in get(sandbox, "/v1/services", limit=100).json()["data"]}
    assert len(outage["impactedServices"]) == 2 and set(outage["impactedServices"]) <= services


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/incident-templates", {"limit": "0"}, "limit"),
        ("/v1/incident-templates", {"offset": "-1"}, "offset"),
        ("/v2/schedules/x/overrides", {"scheduleIdentifierType": "tiny"}, "scheduleIdentifierType"),
    ],
)
def test_parameters_it_cannot_honour_answer_422(sandbox, path, params, field) -> None:  # type: ignore[no-untyped-def]
    answer = get(sandbox, path, **params)

    assert answer.status_code == 422
    assert field in answer.json()["errors"] and "requestId" in answer.json()


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v2/policies/alert", {"teamId": "nope"}),
        ("/v2/policies/nope", {}),
        ("/v2/schedules/nope/overrides", {}),
        ("/v1/services/nope/incident-rules", {}),
    ],
)
def test_an_unknown_parent_or_policy_is_404(sandbox, path, params) -> None:  # type: ignore[no-untyped-def]
    answer = get(sandbox, path, **params)

    assert answer.status_code == 404
    assert {"message", "took", "requestId"} <= set(answer.json())


@pytest.mark.parametrize(
    "path",
    ["/v2/policies/alert", "/v2/schedules/x/overrides", "/v1/services/x/incident-rules",
     "/v1/incident-templates"],
)  # fmt: skip
def test_a_key_without_configuration_access_is_refused(sandbox, path) -> None:  # type: ignore[no-untyped-def]
    answer = get(sandbox, path, key="incidents_only")

    assert answer.status_code == 403 and answer.json()["code"] == 40301


def test_the_same_seed_draws_the_same_objects_and_each_region_its_own(sandbox) -> None:  # type: ignore[no-untyped-def]
    other = SandboxServer(seed=11, incidents=5, users=12, now=NOW, alerts=0).start()
    try:
        again = get(other, "/v1/incident-templates").json()["data"]
        policies = get(other, "/v2/policies/alert").json()["data"]
    finally:
        other.stop()
    us = get(sandbox, "/v1/incident-templates").json()["data"]
    eu = get(sandbox, "/v1/incident-templates", key="eu", region="eu").json()["data"]
    eu_policies = get(sandbox, "/v2/policies/alert", key="eu", region="eu").json()["data"]

    assert again == us and policies == get(sandbox, "/v2/policies/alert").json()["data"]
    ids = {t["id"] for t in us["incidentTemplates"]}
    assert ids.isdisjoint({t["id"] for t in eu["incidentTemplates"]})
    assert {p["id"] for p in policies}.isdisjoint({p["id"] for p in eu_policies})
