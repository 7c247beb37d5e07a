"""The OpsGenie Alert API v2 of the sandbox: what our notifications are sent to and read back
from (US, EU, and JSM's integration endpoint)."""

from __future__ import annotations

import io
import uuid
from typing import Any
from urllib.parse import quote
from wsgiref.util import setup_testing_defaults

import pytest
import requests

from integrations.providers.opsgenie.sandbox import alert_payload as limits
from integrations.providers.opsgenie.sandbox.alerts import AlertStore, Caller
from integrations.providers.opsgenie.sandbox.app import KeyAccess, OpsGenieSandbox
from integrations.sandbox.server import SandboxServer
from tests.sandbox.support import NOW


def _url(sandbox: SandboxServer, region: str) -> str:
    return sandbox.opsgenie_jsm_url() if region == "jsm" else sandbox.opsgenie_url(region)


def _auth(sandbox: SandboxServer, key: str) -> dict[str, str]:
    return {"Authorization": f"GenieKey {getattr(sandbox.keys, 'opsgenie_' + key)}"}


def post(
    sandbox: SandboxServer,
    path: str,
    body: Any,
    *,
    key: str = "us_integration",
    region: str = "us",
    **params: str,
) -> requests.Response:
    url = _url(sandbox, region) + path
    return requests.post(url, json=body, headers=_auth(sandbox, key), params=params, timeout=10)


def get(
    sandbox: SandboxServer, path: str, *, key: str = "us", region: str = "us", **params: str
) -> requests.Response:
    url = _url(sandbox, region) + path
    return requests.get(url, headers=_auth(sandbox, key), params=params, timeout=10)


def status_of(
    sandbox: SandboxServer, accepted: requests.Response, region: str = "us", key: str = ""
) -> dict[str, Any]:
    """The processed status of an accepted (202) alert request."""
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["result"] == "Request will be processed"
    key = key or ("jsm_integration" if region == "jsm" else f"{region}_integration")
    path = f"/v2/alerts/requests/{accepted.json()['requestId']}"
    answer = get(sandbox, path, key=key, region=region)
    assert answer.status_code == 200
    return answer.json()["data"]


def alias() -> str:
    return f"check-{uuid.uuid4().hex[:8]}"


def test_create_is_accepted_and_its_request_status_names_the_new_alert(sandbox: SandboxServer):
    name = alias()
    accepted = post(sandbox, "/v2/alerts", {"message": "Check failing", "alias": name})

    status = status_of(sandbox, accepted)

    assert accepted.headers["X-Request-ID"] == accepted.json()["requestId"]
    assert status["success"] is status["isSuccess"] is True
    assert (status["action"], status["status"], status["alias"]) == (
        "Create",
        "Created alert",
        name,
    )
    alert = get(sandbox, f"/v2/alerts/{status['alertId']}").json()["data"]
    assert (alert["message"], alert["status"], alert["count"]) == ("Check failing", "open", 1)
    assert alert["integration"]["id"] == status["integrationId"]


def test_a_create_with_an_open_alerts_alias_raises_its_count_instead_of_a_second_alert(
    sandbox: SandboxServer,
):
    name = alias()
    first = status_of(sandbox, post(sandbox, "/v2/alerts", {"message": "m", "alias": name}))
    again = status_of(sandbox, post(sandbox, "/v2/alerts", {"message": "m", "alias": name}))

    assert again["alertId"] == first["alertId"]
    alert = get(sandbox, f"/v2/alerts/{name}", identifierType="alias").json()["data"]
    assert alert["count"] == 2


def test_closing_by_alias_without_identifier_type_is_accepted_but_closes_nothing(
    sandbox: SandboxServer,
):
    name = alias()
    created = status_of(sandbox, post(sandbox, "/v2/alerts", {"message": "m", "alias": name}))

    trap = status_of(sandbox, post(sandbox, f"/v2/alerts/{name}/close", {}))

    assert trap["success"] is False
    assert trap["status"] == "Alert does not exist"
    assert get(sandbox, f"/v2/alerts/{created['alertId']}").json()["data"]["status"] == "open"


def test_closing_by_an_url_encoded_alias_with_identifier_type_closes_the_alert(
    sandbox: SandboxServer,
):
    name = f"check/{uuid.uuid4().hex[:6]} item #1"
    created = status_of(sandbox, post(sandbox, "/v2/alerts", {"message": "m", "alias": name}))

    path = f"/v2/alerts/{quote(name, safe='')}/close"
    closed = status_of(sandbox, post(sandbox, path, {"note": "recovered"}, identifierType="alias"))

    assert (closed["success"], closed["status"], closed["action"]) == (
        True,
        "Closed alert",
        "Close",
    )
    assert closed["alertId"] == created["alertId"]
    alert = get(sandbox, f"/v2/alerts/{created['alertId']}").json()["data"]
    assert alert["status"] == "closed"
    assert "closeTime" in alert["report"]


def test_a_closed_alias_names_no_alert_and_a_new_create_opens_a_new_one(sandbox: SandboxServer):
    name = alias()
    first = status_of(sandbox, post(sandbox, "/v2/alerts", {"message": "m", "alias": name}))
    status_of(sandbox, post(sandbox, f"/v2/alerts/{name}/close", {}, identifierType="alias"))

    again = status_of(sandbox, post(sandbox, "/v2/alerts", {"message": "m", "alias": name}))

    assert again["status"] == "Created alert"
    assert again["alertId"] != first["alertId"]


def test_acknowledge_and_close_by_tiny_id(sandbox: SandboxServer):
    created = status_of(sandbox, post(sandbox, "/v2/alerts", {"message": "m", "alias": alias()}))
    tiny = get(sandbox, f"/v2/alerts/{created['alertId']}").json()["data"]["tinyId"]

    acked = status_of(
        sandbox, post(sandbox, f"/v2/alerts/{tiny}/acknowledge", {}, identifierType="tiny")
    )
    closed = status_of(
        sandbox, post(sandbox, f"/v2/alerts/{tiny}/close", {}, identifierType="tiny")
    )

    assert (acked["action"], acked["success"]) == ("Acknowledge", True)
    assert closed["status"] == "Closed alert"
    alert = get(sandbox, f"/v2/alerts/{tiny}", identifierType="tiny").json()["data"]
    assert (alert["acknowledged"], alert["status"]) == (True, "closed")


def test_an_unknown_identifier_type_is_a_422(sandbox: SandboxServer):
    refused = post(sandbox, "/v2/alerts/x/close", {}, identifierType="name")

    assert refused.status_code == 422
    assert "identifierType" in refused.json()["errors"]


def test_an_unknown_request_id_is_a_404(sandbox: SandboxServer):
    assert get(sandbox, f"/v2/alerts/requests/{uuid.uuid4()}").status_code == 404


TOO_LONG = [
    ("message", "m" * (limits.MESSAGE_MAX + 1)),
    ("alias", "a" * (limits.ALIAS_MAX + 1)),
    ("description", "d" * (limits.DESCRIPTION_MAX + 1)),
    ("entity", "e" * (limits.ENTITY_MAX + 1)),
    ("source", "s" * (limits.SOURCE_MAX + 1)),
    ("tags", ["t"] * (limits.TAGS_MAX + 1)),
    ("tags", ["t" * (limits.TAG_MAX + 1)]),
    ("priority", "P6"),
    ("details", {"link": 5}),
    ("responders", [{"type": "group", "id": "x"}]),
    ("responders", [{"type": "user", "name": "not how users are named"}]),
    ("visibleTo", [{"type": "schedule", "id": "x"}]),
]


@pytest.mark.parametrize(("field", "value"), TOO_LONG)
def test_each_limit_refuses_with_opsgenies_422_and_creates_nothing(
    sandbox: SandboxServer, field: str, value: Any
):
    body = {"message": "m", "alias": alias(), field: value}

    refused = post(sandbox, "/v2/alerts", body)

    assert refused.status_code == 422
    assert refused.json()["message"] == "Request body is not processable. Please check the errors."
    assert any(name.startswith(field) for name in refused.json()["errors"])
    assert set(refused.json()) == {"message", "errors", "took", "requestId"}
    if field != "alias":
        assert (
            get(sandbox, f"/v2/alerts/{body['alias']}", identifierType="alias").status_code == 404
        )


def test_values_at_each_limit_are_accepted(sandbox: SandboxServer):
    body = {
        "message": "m" * limits.MESSAGE_MAX,
        "alias": "a" * (limits.ALIAS_MAX - 9) + uuid.uuid4().hex[:9],
        "description": "d" * limits.DESCRIPTION_MAX,
        "entity": "e" * limits.ENTITY_MAX,
        "source": "s" * limits.SOURCE_MAX,
        "tags": [f"{i:02d}" + "t" * (limits.TAG_MAX - 2) for i in range(limits.TAGS_MAX)],
        "details": {"page": "https://evidencehub.example/checks/12"},
        "priority": "P1",
        "responders": [{"type": "team", "name": "Platform"}, {"type": "user", "username": "a@b.c"}],
        "visibleTo": [{"type": "team", "id": "t1"}],
    }

    created = status_of(sandbox, post(sandbox, "/v2/alerts", body))

    alert = get(sandbox, f"/v2/alerts/{created['alertId']}").json()["data"]
    assert (alert["priority"], alert["details"], len(alert["tags"])) == (
        "P1",
        body["details"],
        limits.TAGS_MAX,
    )


def test_a_missing_message_is_refused(sandbox: SandboxServer):
    refused = post(sandbox, "/v2/alerts", {"alias": alias()})

    assert refused.status_code == 422
    assert "message" in refused.json()["errors"]


def test_an_account_key_may_read_alerts_but_not_create_or_close_them(sandbox: SandboxServer):
    created = status_of(sandbox, post(sandbox, "/v2/alerts", {"message": "m", "alias": alias()}))

    refused = post(sandbox, "/v2/alerts", {"message": "m"}, key="us")
    not_closed = post(sandbox, f"/v2/alerts/{created['alertId']}/close", {}, key="us")

    for answer in (refused, not_closed):
        assert answer.status_code == 403
        assert answer.json()["code"] == 40301
        assert "API integration" in answer.json()["message"]
    assert get(sandbox, f"/v2/alerts/{created['alertId']}", key="us").status_code == 200


@pytest.mark.parametrize("path", ["/v1/incidents", "/v2/users", "/v2/teams", "/v2/alerts"])
def test_an_integration_key_without_read_access_is_refused_every_read(
    sandbox: SandboxServer, path: str
):
    refused = get(sandbox, path, key="us_integration")

    assert refused.status_code == 403
    assert refused.json()["code"] == 40301


def test_keys_belong_to_their_region(sandbox: SandboxServer):
    assert post(sandbox, "/v2/alerts", {"message": "m"}, key="eu_integration").status_code == 401
    accepted = post(sandbox, "/v2/alerts", {"message": "m"}, key="eu_integration", region="eu")

    assert status_of(sandbox, accepted, region="eu")["status"] == "Created alert"


def test_jsm_serves_the_same_alert_api_under_its_integration_path(sandbox: SandboxServer):
    name = alias()
    jsm = {"key": "jsm_integration", "region": "jsm"}
    created = status_of(
        sandbox, post(sandbox, "/v2/alerts", {"message": "m", "alias": name}, **jsm), "jsm"
    )
    path = f"/v2/alerts/{name}/close"
    closed = status_of(sandbox, post(sandbox, path, {}, identifierType="alias", **jsm), "jsm")

    assert closed["alertId"] == created["alertId"]
    assert get(sandbox, f"/v2/alerts/{name}", identifierType="alias", **jsm).status_code == 404
    # The US account moved to JSM with its integrations: their key is taken there too; the EU
    # account's (not moved) is not.
    moved = post(sandbox, "/v2/alerts", {"message": "m"}, key="us_integration", region="jsm")
    assert moved.status_code == 202
    not_moved = post(sandbox, "/v2/alerts", {"message": "m"}, key="eu_integration", region="jsm")
    assert not_moved.status_code == 401
    assert get(sandbox, "/v1/incidents", **jsm).status_code == 404
    assert sandbox.opsgenie_jsm_url().endswith("/jsm/ops/integration")


def test_created_alerts_are_listed_with_status_query_and_paging():
    with SandboxServer(incidents=5, users=3, alerts=0) as fresh:
        for number in range(3):
            status_of(
                fresh, post(fresh, "/v2/alerts", {"message": f"m{number}", "alias": f"a{number}"})
            )
        status_of(fresh, post(fresh, "/v2/alerts/a1/close", {}, identifierType="alias"))

        newest_first = get(fresh, "/v2/alerts").json()
        open_only = get(fresh, "/v2/alerts", query="status:open", sort="createdAt", order="asc")
        page = get(fresh, "/v2/alerts", limit="2").json()

    assert [a["alias"] for a in newest_first["data"]] == ["a2", "a1", "a0"]
    assert newest_first["totalCount"] == 3
    assert "description" not in newest_first["data"][0]  # the list has BaseAlert's fields
    assert [a["alias"] for a in open_only.json()["data"]] == ["a0", "a2"]
    assert len(page["data"]) == 2
    assert "offset=2" in page["paging"]["next"]


def test_faults_apply_to_alert_requests_so_retries_can_be_seen(sandbox: SandboxServer):
    sandbox.faults.set(rate_limit=1, server_errors=1, server_error_status=503)
    body = {"message": "m", "alias": alias()}

    answers = [post(sandbox, "/v2/alerts", body).status_code for _ in range(3)]

    assert answers == [429, 503, 202]


def test_the_integration_keys_are_printed_with_the_others(sandbox: SandboxServer):
    described = requests.get(sandbox.base_url + "/_sandbox/keys", timeout=10).json()
    banner = "\n".join(line for lines in sandbox.lines() for line in lines)

    for name in ("opsgenie_us_integration", "opsgenie_eu_integration", "opsgenie_jsm_integration"):
        assert described["keys"][name] == getattr(sandbox.keys, name)
        assert described["keys"][name] in banner
    assert described["jsm_ops_integration_url"] == sandbox.opsgenie_jsm_url()
    assert sandbox.keys.opsgenie_us_integration != sandbox.keys.opsgenie_us


def test_the_wsgi_app_alone_takes_an_alias_holding_a_slash_when_the_target_is_unknown():
    """Without RAW_URI (the app driven directly), the decoded path still routes."""
    app = OpsGenieSandbox(
        store=None, keys={"k": KeyAccess.INTEGRATION_WITH_READ}, alerts=AlertStore()
    )
    app.alerts.create("r1", {"message": "m", "alias": "a b"}, Caller("integration-id", "test"))

    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/v2/alerts/a b",
        "QUERY_STRING": "identifierType=alias",
        "HTTP_AUTHORIZATION": "GenieKey k",
        "wsgi.input": io.BytesIO(b""),
    }
    setup_testing_defaults(environ)
    statuses: list[str] = []
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))

    assert statuses == ["200 OK"]
    assert b'"alias":"a b"' in body


def test_acknowledging_and_closing_bump_updatedAt_and_the_updatedAt_listing_follows():
    with SandboxServer(incidents=5, users=3, alerts=40, now=NOW) as fresh:

        def by_update() -> list[dict[str, Any]]:
            answer = get(fresh, "/v2/alerts", limit="100", sort="updatedAt", order="desc")
            assert answer.status_code == 200, answer.text
            return answer.json()["data"]

        before = by_update()
        first, second = [a for a in reversed(before) if a["status"] == "open"][:2]
        path = "/v2/alerts/{}/{}"
        status_of(fresh, post(fresh, path.format(first["id"], "acknowledge"), {}))
        status_of(fresh, post(fresh, path.format(second["id"], "close"), {}))
        after = by_update()

    assert [a["updatedAt"] for a in before] == sorted(
        (a["updatedAt"] for a in before), reverse=True
    )
    # The last changed first; each changed one now newer than every alert it was not.
    assert [a["id"] for a in after[:2]] == [second["id"], first["id"]]
    assert after[1]["updatedAt"] > before[0]["updatedAt"] and after[1]["acknowledged"] is True
    assert after[0]["status"] == "closed"
    assert [a["id"] for a in after[2:]] == [
        a["id"] for a in before if a["id"] not in {first["id"], second["id"]}
    ]
