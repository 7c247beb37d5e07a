"""Every answer of PRODUCT 3.2, with OpsGenie mocked at the HTTP level."""

from __future__ import annotations

import pytest
import requests
import responses
from responses import matchers

from integrations.models import ErrorAction
from integrations.providers.opsgenie.validation import validate_key

US = "https://api.opsgenie.com/v1/incidents"
EU = "https://api.eu.opsgenie.com/v1/incidents"
KEY = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
AUTH = matchers.header_matcher({"Authorization": f"GenieKey {KEY}"})
OK_BODY = {"data": [], "totalCount": 0, "took": 0.01, "requestId": "r"}


def _unauthorized(url: str) -> None:
    responses.get(
        url,
        status=401,
        json={"message": "Could not authenticate", "took": 0.002, "requestId": "r"},
    )


@responses.activate
def test_it_accepts_a_key_that_reads_incidents_in_its_region() -> None:
    responses.get(US, json=OK_BODY, match=[AUTH, matchers.query_param_matcher({"limit": "1"})])
    assert validate_key(api_key=KEY, region="us") is None
    assert len(responses.calls) == 1


@responses.activate
def test_it_asks_the_eu_host_when_the_eu_region_is_chosen() -> None:
    responses.get(EU, json=OK_BODY, match=[AUTH])
    assert validate_key(api_key=KEY, region="eu") is None
    assert responses.calls[0].request.url.startswith("https://api.eu.opsgenie.com/")


@responses.activate
def test_it_rejects_a_key_of_the_other_region_and_names_that_region() -> None:
    _unauthorized(US)
    responses.get(EU, json=OK_BODY, match=[AUTH])
    failure = validate_key(api_key=KEY, region="us")
    assert failure is not None
    assert "This key belongs to the EU region — select EU" in failure.message
    assert failure.action == ErrorAction.SELECT_REGION
    assert failure.field == "region"


@responses.activate
def test_it_names_the_us_region_for_a_us_key_sent_to_eu() -> None:
    _unauthorized(EU)
    responses.get(US, json=OK_BODY)
    failure = validate_key(api_key=KEY, region="eu")
    assert failure is not None
    assert "This key belongs to the US region — select US" in failure.message


@responses.activate
def test_a_key_the_other_region_knows_but_forbids_still_names_that_region() -> None:
    _unauthorized(US)
    responses.get(
        EU, status=403, json={"code": 40301, "message": "no", "took": 0, "requestId": "r"}
    )
    failure = validate_key(api_key=KEY, region="us")
    assert failure is not None and failure.action == ErrorAction.SELECT_REGION


@responses.activate
def test_it_says_invalid_key_when_neither_region_accepts_it() -> None:
    _unauthorized(US)
    _unauthorized(EU)
    failure = validate_key(api_key=KEY, region="us")
    assert failure is not None
    assert failure.message.startswith("Invalid API key")
    assert failure.action == ErrorAction.REENTER_KEY
    # One call per region: a 401 is permanent and never retried.
    assert [c.request.url.split("/v1")[0] for c in responses.calls] == [
        "https://api.opsgenie.com",
        "https://api.eu.opsgenie.com",
    ]


@responses.activate
def test_it_explains_missing_incident_permission() -> None:
    responses.get(
        US,
        status=403,
        json={"code": 40301, "message": "Key has no access", "took": 0, "requestId": "r"},
    )
    failure = validate_key(api_key=KEY, region="us")
    assert failure is not None
    assert failure.message.startswith("Insufficient permissions: enable read access to incidents")
    assert "Key has no access" in failure.message
    assert failure.action == ErrorAction.FIX_PERMISSIONS
    assert len(responses.calls) == 1


@responses.activate
def test_it_explains_a_plan_without_the_incident_api() -> None:
    responses.get(US, status=402, json={"message": "Upgrade", "took": 0, "requestId": "r"})
    failure = validate_key(api_key=KEY, region="us")
    assert failure is not None
    assert "plan has no Incident API" in failure.message
    assert failure.action == ErrorAction.UPGRADE_PLAN


@responses.activate
@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_it_retries_then_says_opsgenie_is_not_answering(status: int) -> None:
    responses.get(US, status=status, json={"message": "busy", "took": 0, "requestId": "r"})
    failure = validate_key(api_key=KEY, region="us")
    assert failure is not None
    assert failure.message.startswith("OpsGenie is not answering, try again")
    assert failure.action == ErrorAction.RETRY
    assert len(responses.calls) == 3  # WIZARD_MAX_ATTEMPTS


@responses.activate
def test_it_succeeds_when_a_retry_gets_through() -> None:
    responses.get(US, status=503, json={"message": "busy", "took": 0, "requestId": "r"})
    responses.get(US, json=OK_BODY)
    assert validate_key(api_key=KEY, region="us") is None
    assert len(responses.calls) == 2


@responses.activate
def test_it_retries_a_timeout_then_gives_up() -> None:
    responses.get(US, body=requests.Timeout("read timed out"))
    failure = validate_key(api_key=KEY, region="us")
    assert failure is not None
    assert "OpsGenie is not answering" in failure.message
    assert "timed out" in failure.message
    assert len(responses.calls) == 3


@responses.activate
def test_any_other_status_shows_the_status_and_opsgenies_message() -> None:
    responses.get(
        US, status=404, json={"message": "<b>No handler</b> found", "took": 0, "requestId": "r"}
    )
    failure = validate_key(api_key=KEY, region="us")
    assert failure is not None
    assert failure.message == "OpsGenie answered HTTP 404: <b>No handler</b> found"


@responses.activate
def test_a_non_json_success_is_reported_not_crashed_on() -> None:
    responses.get(US, body="<html>proxy</html>", status=200)
    failure = validate_key(api_key=KEY, region="us")
    assert failure is not None
    assert "not valid JSON" in failure.message


@responses.activate
def test_the_key_never_appears_in_a_failure_message() -> None:
    responses.get(US, body=requests.ConnectionError(f"boom {KEY}"))
    failure = validate_key(api_key=KEY, region="us")
    assert failure is not None
    assert KEY not in failure.message
