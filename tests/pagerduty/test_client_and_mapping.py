"""PagerDuty's API-key check and incident mapping, with the API mocked at the HTTP level."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import responses
from responses import matchers

from integrations.http import UpstreamError
from integrations.models import ErrorAction
from integrations.providers.pagerduty.client import rate_limit_wait
from integrations.providers.pagerduty.mapping import incident_record
from integrations.providers.pagerduty.validation import validate_key

US = "https://api.pagerduty.com/incidents"
EU = "https://api.eu.pagerduty.com/incidents"
KEY = "y_NbAkKc66ryYTWUXYEu"
HEADERS = matchers.header_matcher(
    {"Authorization": f"Token token={KEY}", "Accept": "application/vnd.pagerduty+json;version=2"}
)
OK = {"incidents": [], "limit": 1, "offset": 0, "more": False, "total": None}
AUTH_FAILED = {"error": {"message": "Authentication failed", "code": 2006}}


@responses.activate
def test_a_valid_key_is_sent_as_a_token_with_the_v2_accept_header() -> None:
    responses.get(US, json=OK, match=[HEADERS, matchers.query_param_matcher({"limit": "1"})])
    assert validate_key(api_key=KEY, region="us") is None


@responses.activate
def test_a_key_of_the_other_region_is_named() -> None:
    responses.get(EU, status=401, json=AUTH_FAILED)
    responses.get(US, json=OK)
    failure = validate_key(api_key=KEY, region="eu")
    assert failure is not None and failure.action == ErrorAction.SELECT_REGION
    assert "This key belongs to the US region — select US" in failure.message


@responses.activate
def test_an_invalid_key_even_with_a_non_json_401_says_so() -> None:
    responses.get(US, status=401, body="Unauthorized")  # real 401s are sometimes not JSON
    responses.get(EU, status=401, json=AUTH_FAILED)
    failure = validate_key(api_key=KEY, region="us")
    assert failure is not None and failure.message.startswith("Invalid API key")


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "text", "action"),
    [
        (
            403,
            {"error": {"message": "Access Denied", "code": 2010}},
            "Insufficient permissions",
            ErrorAction.FIX_PERMISSIONS,
        ),
        (
            402,
            {"error": {"message": "Missing Account Ability", "code": 2014}},
            "lacks an ability",
            ErrorAction.UPGRADE_PLAN,
        ),
        (
            429,
            {"error": {"message": "Rate Limit Exceeded", "code": 2020}},
            "not answering",
            ErrorAction.RETRY,
        ),
        (500, {"error": {"message": "Internal", "code": 2000}}, "not answering", ErrorAction.RETRY),
    ],
)
def test_every_error_branch(status: int, body: dict, text: str, action: str) -> None:
    responses.get(US, status=status, json=body, headers={"ratelimit-reset": "0"})
    failure = validate_key(api_key=KEY, region="us")
    assert failure is not None and text in failure.message and failure.action == action
    if status == 403:
        assert "PagerDuty said: Access Denied" in failure.message


def test_a_429_waits_until_the_window_resets() -> None:
    assert rate_limit_wait({"ratelimit-reset": "12"}) == 12.0
    assert rate_limit_wait({}) is None


RAW = {
    "id": "PT4KHLK",
    "incident_number": 1234,
    "title": "The server is on fire.",
    "description": "The server is on fire.",
    "status": "acknowledged",
    "urgency": "high",
    "priority": None,
    "created_at": "2026-01-02T03:04:05Z",
    "updated_at": "2026-01-02T04:00:00Z",
    "resolved_at": None,
    "service": {"id": "PIJ90N7", "type": "service_reference", "summary": "My Mail Service"},
    "html_url": "https://acme.pagerduty.com/incidents/PT4KHLK",
}


@pytest.mark.parametrize(
    ("status", "mapped"),
    [("triggered", "open"), ("acknowledged", "open"), ("resolved", "resolved")],
)
def test_statuses_map_to_open_and_resolved(status: str, mapped: str) -> None:
    record = incident_record({**RAW, "status": status, "resolved_at": "2026-01-02T06:00:00Z"})
    assert (record.status, record.raw_status) == (mapped, status)
    assert (record.resolved_at is None) == (mapped == "open")


@pytest.mark.parametrize(
    ("priority", "urgency", "mapped", "raw"),
    [
        ({"summary": "P1"}, "low", "high", "P1"),
        ({"summary": "P3"}, "high", "medium", "P3"),
        ({"summary": "P5"}, "high", "low", "P5"),
        ({"summary": "SEV-0"}, "high", "high", "SEV-0"),  # unknown name: the urgency decides
        (None, "low", "low", "urgency low"),
        (None, None, "", ""),
    ],
)
def test_priority_comes_from_its_name_else_the_urgency(priority, urgency, mapped, raw) -> None:  # type: ignore[no-untyped-def]
    record = incident_record({**RAW, "priority": priority, "urgency": urgency})
    assert (record.priority, record.raw_priority) == (mapped, raw)


def test_every_canonical_field_is_mapped() -> None:
    record = incident_record({**RAW, "status": "resolved", "resolved_at": "2026-01-02T06:00:00Z"})
    assert (record.upstream_id, record.number, record.title) == ("PT4KHLK", "1234", RAW["title"])
    assert record.description == ""  # the title again says nothing more
    assert record.impact_start == record.created_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert record.impact_end == record.resolved_at == datetime(2026, 1, 2, 6, tzinfo=UTC)
    assert record.services == ("My Mail Service",)
    assert record.upstream_url == RAW["html_url"]


@pytest.mark.parametrize("raw", [{}, {"id": "X"}, {**RAW, "created_at": "soon"}])
def test_a_malformed_incident_is_an_upstream_error(raw: dict) -> None:
    with pytest.raises(UpstreamError):
        incident_record(raw)
