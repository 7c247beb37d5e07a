"""Reading the ID token of a PagerDuty token answer: its audience must name our client; its
signature is not checked (it came over TLS in answer to our own authenticated request)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from integrations.http import UpstreamError
from integrations.providers.pagerduty.oauth import id_token_claims


def _part(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _token(claims: Any) -> str:
    return f"{_part({'alg': 'RS256', 'kid': 'k'})}.{_part(claims)}.c2lnbmF0dXJl"


def test_it_reads_the_claims_of_a_token_issued_to_our_client():
    claims = {"aud": ["https://api.eu.pagerduty.com", "test-client-id"], "region": "Europe"}

    assert id_token_claims(_token(claims)) == claims


def test_it_accepts_a_single_audience_naming_our_client():
    assert id_token_claims(_token({"aud": "test-client-id"}))["aud"] == "test-client-id"


@pytest.mark.parametrize(
    "claims",
    [{"aud": ["https://api.pagerduty.com", "someone"]}, {"aud": "someone"}, {"subdomain": "a"}],
)
def test_it_refuses_a_token_issued_to_another_client(claims: dict[str, Any]):
    with pytest.raises(UpstreamError, match="issued to another client"):
        id_token_claims(_token(claims))


@pytest.mark.parametrize(
    "token",
    ["", "not-a-token", "a.b", f"{_part({'alg': 'RS256'})}.bm90IGpzb24.c2ln", _token([1, 2])],
)
def test_it_refuses_a_token_it_cannot_read(token: str):
    with pytest.raises(UpstreamError, match="cannot be read"):
        id_token_claims(token)
