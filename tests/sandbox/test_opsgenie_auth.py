from __future__ import annotations

import uuid

import pytest
import requests

from integrations.sandbox.server import SandboxServer
from tests.sandbox.support import call


def _assert_not_authenticated(response: requests.Response) -> None:
    assert response.status_code == 401
    body = response.json()
    assert body["message"] == "Could not authenticate"
    assert isinstance(body["took"], float)
    assert uuid.UUID(body["requestId"])
    assert response.headers["X-Request-ID"] == body["requestId"]


def test_a_request_without_an_authorization_header_is_not_authenticated(sandbox: SandboxServer):
    _assert_not_authenticated(call(sandbox, "/v1/incidents", key=None))


def test_an_eu_key_is_not_accepted_by_the_us_region(sandbox: SandboxServer):
    _assert_not_authenticated(call(sandbox, "/v1/incidents", key="eu", region="us"))


def test_a_us_key_is_not_accepted_by_the_eu_region(sandbox: SandboxServer):
    _assert_not_authenticated(call(sandbox, "/v2/users", key="us", region="eu"))


def test_each_region_accepts_its_own_key(sandbox: SandboxServer):
    assert call(sandbox, "/v1/incidents", key="us", region="us").status_code == 200
    assert call(sandbox, "/v1/incidents", key="eu", region="eu").status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer {key}",
        "Basic {key}",
        "{key}",
        "GenieKey",
        "GenieKey not-a-real-key",
    ],
)
def test_only_the_geniekey_scheme_with_a_known_key_authenticates(
    sandbox: SandboxServer, header: str
):
    sent = {"Authorization": header.format(key=sandbox.keys.opsgenie_us)}
    _assert_not_authenticated(call(sandbox, "/v1/incidents", key=None, headers=sent))


@pytest.mark.parametrize("path", ["/v1/incidents", "/v1/incidents/1?identifierType=tiny"])
def test_a_key_without_incident_access_gets_403_code_40301_on_incidents(
    sandbox: SandboxServer, path: str
):
    response = call(sandbox, path, key="no_incident_access")

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == 40301
    assert body["message"]
    assert set(body) == {"code", "message", "took", "requestId"}


@pytest.mark.parametrize("path", ["/v2/users", "/v2/teams", "/v1/services"])
def test_a_key_without_incident_access_still_reads_configuration(sandbox: SandboxServer, path: str):
    assert call(sandbox, path, key="no_incident_access").status_code == 200


def test_a_key_on_a_plan_without_the_incident_api_gets_402_on_incidents(sandbox: SandboxServer):
    response = call(sandbox, "/v1/incidents", key="no_incident_api_plan")

    assert response.status_code == 402
    assert "Incident API" in response.json()["message"]
    assert call(sandbox, "/v2/users", key="no_incident_api_plan").status_code == 200


def test_a_successful_answer_carries_the_standard_envelope_and_headers(sandbox: SandboxServer):
    response = call(sandbox, "/v2/teams")

    body = response.json()
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["X-Request-ID"] == body["requestId"]
    assert response.headers["X-RateLimit-State"] == "OK"
    assert response.headers["X-Response-Time"]
    assert isinstance(body["took"], float)


def test_each_answer_has_a_fresh_request_id(sandbox: SandboxServer):
    first = call(sandbox, "/v2/teams").json()["requestId"]
    second = call(sandbox, "/v2/teams").json()["requestId"]
    assert first != second
