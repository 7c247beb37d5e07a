"""The readers of OpsGenie's objects under a parent, and of its incident templates, against
recorded answers (``responses``): what each call asks, how items become canonical records with
their relations, the templates' pages, and the parents' bound rotating with the hour."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from integrations.http import UpstreamError
from integrations.providers.opsgenie.client import OpsgenieClient
from integrations.providers.opsgenie.config_reader import OpsgenieConfig
from integrations.providers.opsgenie.parents_reader import OpsgenieParents
from integrations.providers.opsgenie.rules_reader import OpsgenieRules
from integrations.records import ListingTruncated
from tests.library.test_opsgenie_rules_reader import BASE, every, teams

SERVICES = {"svc-1": "Checkout", "svc-2": "Gone"}


def reader(clock: datetime | None = None, services: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    client = OpsgenieClient(api_key="k", region="us", max_attempts=1)
    moment = clock or datetime(2026, 6, 1, tzinfo=UTC)
    rules = OpsgenieRules(OpsgenieConfig(client), clock=lambda: moment)
    return OpsgenieParents(rules, services=lambda: dict(services or SERVICES))


def asked(call) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return parse_qs(urlparse(call.request.url).query)


def schedules(count: int) -> None:
    listed = [
        {"id": f"s{n}", "name": f"Sched {n}", "ownerTeam": {"id": "t1", "name": "Platform"}}
        for n in range(count)
    ]
    responses.get(f"{BASE}/v2/schedules", json={"data": listed})


@responses.activate
def test_alert_policies_are_the_global_ones_then_each_teams_by_team_id() -> None:
    teams({"id": "t1", "name": "Platform", "members": []}, {"id": "t2", "name": "Gone"})
    summary = {"type": "alert", "enabled": True, "order": 1}
    responses.get(
        f"{BASE}/v2/policies/alert",
        match=[responses.matchers.query_param_matcher({})],
        json={"data": [{"id": "g1", "name": "Tag prod", **summary, "enabled": False}]},
    )
    responses.get(
        f"{BASE}/v2/policies/alert",
        match=[responses.matchers.query_param_matcher({"teamId": "t1"})],
        json={"data": [{"id": "p1", "name": "P1 first", **summary}]},
    )
    responses.get(
        f"{BASE}/v2/policies/alert",
        match=[responses.matchers.query_param_matcher({"teamId": "t2"})],
        status=404,
        json={"message": "Team with id [t2] does not exist."},
    )

    found = every(reader().alert_policies())

    assert [(p.name, p.team, p.state) for p in found] == [
        ("Tag prod", "", "disabled"),
        ("P1 first", "Platform", "enabled"),
    ]
    assert found[0].links == ()
    assert [(link.relation, link.target_kind, link.target_id) for link in found[1].links] == [
        ("team", "teams", "t1")
    ]


@responses.activate
def test_overrides_relate_to_their_schedule_and_user_and_are_named_after_them() -> None:
    schedules(1)
    override = {
        "alias": "cover-1",
        "user": {"type": "user", "id": "u1", "username": "ann@x.io"},
        "startDate": "2026-06-02T09:00:00Z",
        "endDate": "2026-06-04T09:00:00Z",
        "rotations": [{"id": "r1", "name": "Primary"}],
    }
    responses.get(f"{BASE}/v2/schedules/s0/overrides", json={"data": [override]})

    (record,) = every(reader().schedule_overrides())

    assert (record.upstream_id, record.name, record.team) == (
        "s0:cover-1",
        "ann@x.io on Sched 0",
        "Platform",
    )
    assert [(link.relation, link.target_kind, link.target_id) for link in record.links] == [
        ("overrides", "schedules", "s0"),
        ("user", "users", "u1"),
    ]
    assert asked(responses.calls[-1]) == {}


@responses.activate
def test_incident_rules_are_read_for_each_synced_service_a_gone_one_passed_over() -> None:
    rule = {"id": "ir1", "order": 1, "conditionMatchType": "match-all", "conditions": [],
            "incidentProperties": {"message": "Checkout is failing", "priority": "P1"}}  # fmt: skip
    responses.get(f"{BASE}/v1/services/svc-1/incident-rules", json={"data": [rule]})
    responses.get(f"{BASE}/v1/services/svc-2/incident-rules", status=404, json={"message": "x"})

    found = every(reader().incident_rules())

    assert [(r.upstream_id, r.name, r.state) for r in found] == [
        ("ir1", "Checkout is failing", "P1")
    ]
    assert [(link.relation, link.target_id, link.target_name) for link in found[0].links] == [
        ("service", "svc-1", "Checkout")
    ]


@responses.activate
def test_incident_templates_follow_paging_next_a_hundred_a_page() -> None:
    second = f"{BASE}/v1/incident-templates/?offset=100&limit=100"
    first_page = [{"id": f"it{n}", "name": f"T{n}", "priority": "P3"} for n in range(100)]
    responses.get(
        f"{BASE}/v1/incident-templates/",
        match=[responses.matchers.query_param_matcher({"limit": "100", "offset": "0"})],
        json={"data": {"incidentTemplates": first_page}, "paging": {"next": second}},
    )
    responses.get(
        second,
        json={"data": {"incidentTemplates": [{"id": "last", "name": "Outage", "priority": "P1"}]},
              "paging": {}},
    )  # fmt: skip

    pages = list(reader().incident_templates())

    assert [len(page) for page in pages] == [100, 1]
    assert (pages[1][0].name, pages[1][0].state, pages[1][0].links) == ("Outage", "P1", ())


@responses.activate
def test_templates_without_their_list_are_malformed_and_a_refusal_is_raised() -> None:
    responses.get(f"{BASE}/v1/incident-templates/", json={"data": {"other": []}})

    with pytest.raises(UpstreamError):
        every(reader().incident_templates())

    responses.replace(
        responses.GET, f"{BASE}/v1/incident-templates/", status=403,
        json={"code": 40301, "message": "You are not authorized to access configurations."},
    )  # fmt: skip
    with pytest.raises(UpstreamError) as refused:
        every(reader().incident_templates())
    assert refused.value.status == 403


@responses.activate
def test_past_the_parent_bound_a_run_reads_a_rotating_block_and_says_it_is_partial(
    settings,
) -> None:
    settings.OPSGENIE_PARENTS_PER_RUN = 2
    schedules(5)
    for n in range(5):
        responses.get(f"{BASE}/v2/schedules/s{n}/overrides", json={"data": []})

    def read_at(hour: int) -> list[str]:
        before = len(responses.calls)
        with pytest.raises(ListingTruncated):
            every(reader(datetime(2026, 6, 1, hour, tzinfo=UTC)).schedule_overrides())
        paths = [urlparse(call.request.url).path for call in responses.calls[before:]]
        return [path.split("/")[3] for path in paths if path.endswith("/overrides")]

    # Blocks of two: s0-s1, s2-s3, s4; each hour the next.
    blocks = [read_at(hour) for hour in range(3)]

    assert blocks == [["s0", "s1"], ["s2", "s3"], ["s4"]]


@responses.activate
def test_within_the_bound_every_parent_is_read_and_the_listing_is_whole(settings) -> None:
    settings.OPSGENIE_PARENTS_PER_RUN = 5
    schedules(5)
    for n in range(5):
        responses.get(f"{BASE}/v2/schedules/s{n}/overrides", json={"data": []})

    assert every(reader().schedule_overrides()) == []
    assert len(responses.calls) == 1 + 5
