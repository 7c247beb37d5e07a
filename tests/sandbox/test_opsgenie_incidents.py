from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.sandbox.server import SandboxServer
from tests.sandbox.support import INCIDENTS, call, follow

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _all(sandbox: SandboxServer, **params: object) -> list[dict]:
    first = call(sandbox, "/v1/incidents", limit=100, **params)
    assert first.status_code == 200, first.text
    return [item for page in follow(sandbox, first) for item in page.json()["data"]]


def _ms(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp).timestamp() * 1000)


def test_listing_without_a_query_returns_twenty_incidents_newest_first(sandbox: SandboxServer):
    body = call(sandbox, "/v1/incidents").json()

    assert body["totalCount"] == INCIDENTS
    assert len(body["data"]) == 20
    created = [incident["createdAt"] for incident in body["data"]]
    assert created == sorted(created, reverse=True)


def test_the_trailing_slash_path_used_by_the_official_sdk_is_served(sandbox: SandboxServer):
    assert call(sandbox, "/v1/incidents/").json()["totalCount"] == INCIDENTS


def test_paging_links_are_absolute_and_the_last_page_has_no_next(sandbox: SandboxServer):
    first = call(sandbox, "/v1/incidents", query="status:closed", limit=7, order="asc")

    pages = follow(sandbox, first)

    ids = [item["id"] for page in pages for item in page.json()["data"]]
    assert len(ids) == len(set(ids)) == first.json()["totalCount"]
    assert len(pages) == -(-len(ids) // 7)
    paging = first.json()["paging"]
    assert paging["first"].startswith(sandbox.opsgenie_url("us") + "/v1/incidents?")
    assert parse_qs(urlsplit(paging["next"]).query) == {
        "query": ["status:closed"],
        "offset": ["7"],
        "limit": ["7"],
        "sort": ["createdAt"],
        "order": ["asc"],
    }
    last = pages[-1]
    assert "next" not in last.json()["paging"]
    assert "X-Paging-Next" not in last.headers
    assert last.json()["paging"]["last"] == paging["last"]
    assert first.headers["X-Paging-First"] == paging["first"]
    assert first.headers["X-Paging-Next"] == paging["next"]
    assert first.headers["X-Paging-Last"] == paging["last"]


def test_paging_links_use_the_scheme_and_host_the_client_sent(sandbox: SandboxServer):
    response = call(sandbox, "/v1/incidents", headers={"Host": "opsgenie.test:9443"})

    assert response.json()["paging"]["next"].startswith(
        "http://opsgenie.test:9443/opsgenie/us/v1/incidents?"
    )


def test_an_empty_result_still_has_first_and_last_links(sandbox: SandboxServer):
    body = call(sandbox, "/v1/incidents", query="message:no-such-incident-anywhere").json()

    assert body["data"] == []
    assert body["totalCount"] == 0
    assert set(body["paging"]) == {"first", "last"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "20000"}, "offset"),
        ({"sort": "bogus"}, "sort"),
        ({"order": "sideways"}, "order"),
    ],
)
def test_invalid_paging_parameters_answer_422_naming_the_field(
    sandbox: SandboxServer, params: dict[str, str], field: str
):
    response = call(sandbox, "/v1/incidents", **params)

    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "Request body is not processable. Please check the errors."
    assert field in body["errors"]
    assert body["requestId"]


def test_limit_100_is_the_largest_page(sandbox: SandboxServer):
    assert len(call(sandbox, "/v1/incidents", limit=100).json()["data"]) == 100


def test_sorting_by_tiny_id_ascending_follows_creation_order(sandbox: SandboxServer):
    incidents = _all(sandbox, sort="tinyId", order="asc")

    assert [int(i["tinyId"]) for i in incidents] == list(range(1, INCIDENTS + 1))
    created = [i["createdAt"] for i in incidents]
    assert created == sorted(created)


def test_sorting_by_updated_at_descending(sandbox: SandboxServer):
    updated = [i["updatedAt"] for i in _all(sandbox, sort="updatedAt")]
    assert updated == sorted(updated, reverse=True)


def test_an_incident_is_found_by_id_and_by_tiny_id(sandbox: SandboxServer):
    listed = call(sandbox, "/v1/incidents", limit=1).json()["data"][0]

    by_id = call(sandbox, f"/v1/incidents/{listed['id']}").json()["data"]
    by_tiny = call(sandbox, f"/v1/incidents/{listed['tinyId']}", identifierType="tiny").json()

    assert by_id == listed
    assert by_tiny["data"] == listed


@pytest.mark.parametrize(
    "path", ["/v1/incidents/00000000-0000-4000-8000-000000000000", "/v2/alerts/nope"]
)
def test_unknown_resources_answer_a_404_envelope(sandbox: SandboxServer, path: str):
    response = call(sandbox, path)

    assert response.status_code == 404
    assert set(response.json()) == {"message", "took", "requestId"}


def test_incident_records_have_the_fields_real_clients_read(sandbox: SandboxServer):
    for incident in _all(sandbox):
        assert TIMESTAMP.match(incident["createdAt"])
        assert incident["updatedAt"] >= incident["createdAt"]
        assert incident["status"] in {"open", "resolved", "closed"}
        assert incident["priority"] in {"P1", "P2", "P3", "P4", "P5"}
        assert incident["links"]["api"] == (
            f"{sandbox.opsgenie_url('us')}/v1/incidents/{incident['id']}"
        )
        for key in ("impactStartDate", "impactEndDate"):
            assert key not in incident or TIMESTAMP.match(incident[key])
        if incident["status"] == "open":
            assert "impactEndDate" not in incident
        assert {"tags", "impactedServices", "ownerTeam", "responders", "extraProperties"} <= set(
            incident
        )


# --- search queries -----------------------------------------------------------------------------


def test_a_query_combines_status_and_priority_with_and(sandbox: SandboxServer):
    everything = _all(sandbox)
    expected = {i["id"] for i in everything if i["status"] == "open" and i["priority"] == "P3"}

    found = {i["id"] for i in _all(sandbox, query="status:open AND priority:P3")}

    assert found == expected
    assert found  # the dataset must make this query meaningful


def test_or_and_parentheses_group_as_written(sandbox: SandboxServer):
    everything = _all(sandbox)
    expected = {
        i["id"] for i in everything if i["status"] == "open" and i["priority"] in ("P1", "P2")
    }

    found = _all(sandbox, query="status:open AND (priority:P1 OR priority:P2)")

    assert {i["id"] for i in found} == expected


def test_created_at_ranges_take_epoch_milliseconds(sandbox: SandboxServer):
    everything = sorted(_all(sandbox), key=lambda i: i["createdAt"])
    low, high = _ms(everything[30]["createdAt"]), _ms(everything[60]["createdAt"])

    found = _all(sandbox, query=f"createdAt>={low} AND createdAt<{high}")

    assert {i["id"] for i in found} == {i["id"] for i in everything[30:60]}


def test_updated_at_can_be_queried_for_incremental_sync(sandbox: SandboxServer):
    everything = _all(sandbox)
    cutoff = sorted(_ms(i["updatedAt"]) for i in everything)[-10]

    found = _all(sandbox, query=f"updatedAt>={cutoff}")

    assert {i["id"] for i in found} == {
        i["id"] for i in everything if _ms(i["updatedAt"]) >= cutoff
    }


def test_message_search_is_a_case_insensitive_substring_and_accepts_quotes(
    sandbox: SandboxServer,
):
    everything = _all(sandbox)
    expected = {i["id"] for i in everything if "latency above" in i["message"].lower()}

    found = _all(sandbox, query='message:"LATENCY ABOVE"')

    assert {i["id"] for i in found} == expected


@pytest.mark.parametrize(
    "query",
    [
        "colour:blue",
        "status:open AND",
        "(status:open",
        "status:open priority:P1",
        "createdAt>yesterday",
        "status>open",
        'message:"unterminated',
    ],
)
def test_an_unknown_field_or_broken_syntax_answers_422(sandbox: SandboxServer, query: str):
    response = call(sandbox, "/v1/incidents", query=query)

    assert response.status_code == 422
    assert "query" in response.json()["errors"]


def test_a_query_and_paging_survive_the_round_trip_through_next_links(sandbox: SandboxServer):
    first = call(sandbox, "/v1/incidents", query="status:closed OR status:resolved", limit=25)

    pages = follow(sandbox, first)

    incidents = [i for page in pages for i in page.json()["data"]]
    assert {i["status"] for i in incidents} <= {"closed", "resolved"}
    assert len(incidents) == first.json()["totalCount"]
