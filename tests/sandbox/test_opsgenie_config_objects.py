"""The sandbox's OpsGenie configuration listings (reference/opsgenie-api.md §5): envelopes and
field names as upstream's, 422/404 with upstream's error body, 403 without Configuration
access, and the data the readiness checks are meant to find."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from integrations.providers.opsgenie.sandbox.config_data import (
    GAP_ENDS_DAYS,
    GAP_STARTS_DAYS,
    GAP_TEAM,
    NO_ESCALATION_TEAM,
    SINGLE_PERSON_TEAM,
)
from integrations.sandbox.server import SandboxServer

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def sandbox():  # type: ignore[no-untyped-def]
    server = SandboxServer(seed=11, incidents=5, users=12, now=NOW, alerts=0).start()
    yield server
    server.stop()


def get(sandbox: SandboxServer, path: str, *, key: str = "us", region: str = "us", **params):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"GenieKey {getattr(sandbox.keys, 'opsgenie_' + key)}"}
    url = sandbox.opsgenie_url(region) + path
    return requests.get(url, headers=headers, params=params, timeout=10)


def test_heartbeats_come_wrapped_with_one_expired_and_one_disabled(sandbox) -> None:  # type: ignore[no-untyped-def]
    body = get(sandbox, "/v2/heartbeats").json()

    beats = body["data"]["heartbeats"]
    assert {"took", "requestId"} <= set(body)
    assert {
        "name",
        "interval",
        "intervalUnit",
        "enabled",
        "expired",
        "lastPingTime",
        "alertMessage",
    } <= set(beats[0])
    assert [b["name"] for b in beats if b["enabled"] and b["expired"]] == ["nightly-backups"]
    assert [b["name"] for b in beats if not b["enabled"]] == ["edge-cdn-probe"]


def test_escalations_name_their_team_and_one_team_has_none(sandbox) -> None:  # type: ignore[no-untyped-def]
    escalations = get(sandbox, "/v2/escalations").json()["data"]
    teams = {team["name"] for team in get(sandbox, "/v2/teams").json()["data"]}

    owners = {e["ownerTeam"]["name"] for e in escalations}
    assert teams - owners == {NO_ESCALATION_TEAM}
    single = next(e for e in escalations if e["ownerTeam"]["name"] == SINGLE_PERSON_TEAM)
    assert [r["recipient"]["type"] for r in single["rules"]] == ["user"]
    assert single["repeat"]["count"] == 0
    other = next(e for e in escalations if e["ownerTeam"]["name"] != SINGLE_PERSON_TEAM)
    assert len(other["rules"]) == 2 and other["repeat"]["count"] >= 1


def test_schedules_carry_rotations_only_when_expanded(sandbox) -> None:  # type: ignore[no-untyped-def]
    plain = get(sandbox, "/v2/schedules").json()
    expanded = get(sandbox, "/v2/schedules", expand="rotation").json()["data"]

    assert "rotations" not in plain["data"][0] and plain["expandable"] == ["rotation"]
    participants = expanded[0]["rotations"][0]["participants"]
    usernames = {u["username"] for u in get(sandbox, "/v2/users").json()["data"]}
    assert participants and {p["username"] for p in participants} <= usernames


def test_the_data_schedules_timeline_has_a_two_day_gap(sandbox) -> None:  # type: ignore[no-untyped-def]
    schedules = get(sandbox, "/v2/schedules").json()["data"]
    data = next(s for s in schedules if s["ownerTeam"]["name"] == GAP_TEAM)

    body = get(
        sandbox, f"/v2/schedules/{data['id']}/timeline", interval="2", intervalUnit="weeks"
    ).json()["data"]

    assert body["_parent"]["id"] == data["id"]
    rotations = body["finalTimeline"]["rotations"]
    first_ends = rotations[0]["periods"][-1]["endDate"]
    second_starts = rotations[1]["periods"][0]["startDate"]
    assert first_ends == f"2026-06-{1 + GAP_STARTS_DAYS:02d}T00:00:00.000Z"
    assert second_starts == f"2026-06-{1 + GAP_ENDS_DAYS:02d}T00:00:00.000Z"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v2/schedules", {"expand": "everything"}, "expand"),
        ("/v2/schedules/{id}/timeline", {"intervalUnit": "years"}, "intervalUnit"),
        ("/v2/schedules/{id}/timeline", {"interval": "0"}, "interval"),
        ("/v2/schedules/{id}/timeline", {"date": "yesterday"}, "date"),
    ],
)
def test_parameters_it_cannot_honour_answer_422(sandbox, path, params, field) -> None:  # type: ignore[no-untyped-def]
    schedule = get(sandbox, "/v2/schedules").json()["data"][0]

    answer = get(sandbox, path.format(id=schedule["id"]), **params)

    assert answer.status_code == 422
    body = answer.json()
    assert body["message"] == "Request body is not processable. Please check the errors."
    assert set(body["errors"]) == {field} and "requestId" in body


def test_an_unknown_schedule_or_team_is_404_with_the_envelope(sandbox) -> None:  # type: ignore[no-untyped-def]
    missing = get(sandbox, "/v2/schedules/nope/timeline")
    team = get(sandbox, "/v2/integrations", teamName="Nobody")

    assert missing.status_code == 404 and "nope" in missing.json()["message"]
    assert team.status_code == 404 and {"took", "requestId"} <= set(team.json())


def test_integrations_filter_by_type_and_team(sandbox) -> None:  # type: ignore[no-untyped-def]
    every = get(sandbox, "/v2/integrations").json()["data"]
    apis = get(sandbox, "/v2/integrations", type="API").json()["data"]
    platform = get(sandbox, "/v2/integrations", teamName="Platform").json()["data"]

    assert {"id", "name", "enabled", "type"} <= set(every[0])
    assert {i["name"] for i in apis} == {i["name"] for i in every if i["type"] == "API"}
    assert [i["name"] for i in platform] == ["Datadog"]


@pytest.mark.parametrize(
    "path", ["/v2/escalations", "/v2/schedules", "/v2/heartbeats", "/v2/integrations"]
)
def test_a_key_without_configuration_access_is_refused(sandbox, path) -> None:  # type: ignore[no-untyped-def]
    answer = get(sandbox, path, key="incidents_only")

    assert answer.status_code == 403 and answer.json()["code"] == 40301


def test_both_regions_serve_their_own_configuration(sandbox) -> None:  # type: ignore[no-untyped-def]
    us = get(sandbox, "/v2/escalations").json()["data"]
    eu = get(sandbox, "/v2/escalations", key="eu", region="eu").json()["data"]

    assert len(us) == len(eu) and {e["id"] for e in us}.isdisjoint(e["id"] for e in eu)
    assert get(sandbox, "/v2/heartbeats", key="eu").status_code == 401
