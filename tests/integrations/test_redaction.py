"""The one redaction (integrations/redaction.py) and the HTTP chokepoint that applies it: an
upstream that repeats the credential it was sent never gets it into an error message."""

from __future__ import annotations

import logging
from urllib.parse import quote, quote_plus

import pytest
import responses

from integrations.http import ErrorKind, UpstreamError, UpstreamSession
from integrations.redaction import (
    REDACTED,
    credential_secrets,
    header_secrets,
    redact,
    redact_for,
)

KEY = "6c1f0b2a-93d4-4e8b-a1f7-0d2c9e5b7a41"
TOKEN = "pdus+_0XBPWQQ_9f8e7d6c-5b4a-3210-fedc-ba9876543210"
URL = "https://api.example.test/v1/incidents"


@pytest.mark.parametrize(
    "echo",
    [
        f"Key {KEY} is invalid",
        f"key {KEY.upper()} is invalid",  # upstreams are not careful about case
        f"api key {quote(TOKEN, safe='')} rejected",
        f"api key {quote_plus(TOKEN)} rejected",
        f'{{"token": "{TOKEN}"}}',
    ],
)
def test_the_connection_s_own_secrets_are_removed_in_any_common_encoding(echo: str) -> None:
    cleaned = redact(echo, [KEY, TOKEN])
    assert KEY.lower() not in cleaned.lower() and TOKEN not in cleaned
    assert quote(TOKEN, safe="") not in cleaned and quote_plus(TOKEN) not in cleaned
    assert REDACTED in cleaned


@pytest.mark.parametrize(
    ("echo", "kept"),
    [
        ("Authorization: GenieKey 0b1c2d3e-4f5a-6b7c", "Authorization: [redacted]"),
        ("bad header GenieKey 0b1c2d3e-4f5a-6b7c here", "GenieKey [redacted] here"),
        ("Token token=y_NbAkKc66ryYTWUXYEu refused", "Token token=[redacted] refused"),
        ('Token token="y_NbAkKc66ryYTWUXYEu"', 'Token token="[redacted]"'),
        ("Bearer pdus+_0XBPWQQ_abcdef012345 expired", "Bearer [redacted] expired"),
        ("Basic dXNlcjpzM2NyZXQ= denied", "Basic [redacted] denied"),
        ("api_key=abcdef0123456789&x=1", "api_key=[redacted]&x=1"),
        ('"refresh_token": "pdus+_1XBPWQQ_xyz"', '"refresh_token": "[redacted]"'),
    ],
)
def test_anything_shaped_like_a_credential_is_removed_even_when_unknown(
    echo: str, kept: str
) -> None:
    assert kept in redact(echo)


def test_ordinary_upstream_text_is_left_as_it_was() -> None:
    for text in (
        "Insufficient permissions: the Basic plan has no Incident API",
        "Could not authenticate",
        "Invalid Input Provided (code 2001)",
        "",
    ):
        assert redact(text, ["short", ""]) == text


def test_it_is_idempotent() -> None:
    once = redact(f"Authorization: GenieKey {KEY}; Bearer {TOKEN}", [KEY, TOKEN])
    assert redact(once, [KEY, TOKEN]) == once


def test_credential_secrets_are_every_secret_value_but_not_the_dates_and_scope() -> None:
    credentials = {
        "access_token": TOKEN,
        "refresh_token": "pdus+_1XBPWQQ_refresh",
        "expires_at": "2027-01-01T00:00:00+00:00",
        "scope": "openid read",
    }
    assert sorted(credential_secrets(credentials)) == sorted([TOKEN, "pdus+_1XBPWQQ_refresh"])


def test_header_secrets_name_the_whole_header_and_the_bare_credential() -> None:
    assert set(header_secrets({"Authorization": f"Token token={KEY}", "Accept": "x"})) == {
        f"Token token={KEY}",
        f"token={KEY}",
        KEY,
    }


def test_a_connection_whose_credentials_cannot_be_read_still_gets_the_patterns() -> None:
    class Erased:
        def get_credentials(self) -> dict[str, str]:
            raise ValueError("no JSON")

    assert redact_for(Erased(), f"GenieKey {KEY}") == "GenieKey [redacted]"


# --- the chokepoint ----------------------------------------------------------------------------


@responses.activate
@pytest.mark.parametrize("status", [403, 404, 422])
def test_an_error_answer_that_echoes_the_key_is_redacted_as_the_error_is_made(
    status: int, settings
) -> None:  # type: ignore[no-untyped-def]
    responses.get(URL, status=status, json={"message": f"Key {KEY} may not do this"})
    session = UpstreamSession(headers={"Authorization": f"GenieKey {KEY}"})
    with pytest.raises(UpstreamError) as raised:
        session.get_json(URL)
    assert raised.value.message == "Key [redacted] may not do this"
    assert KEY not in str(raised.value) and KEY not in raised.value.describe()


@responses.activate
def test_a_long_message_is_redacted_before_it_is_shortened(settings) -> None:  # type: ignore[no-untyped-def]
    # Cut first, the key's first half would survive at the end of the 300 characters.
    message = "x" * 280 + f" key {KEY} rejected"
    responses.get(URL, status=400, json={"message": message})
    session = UpstreamSession(headers={"Authorization": f"GenieKey {KEY}"})
    with pytest.raises(UpstreamError) as raised:
        session.get_json(URL)
    assert KEY[:15] not in raised.value.message


@responses.activate
def test_retried_errors_are_logged_without_the_key(settings, caplog) -> None:  # type: ignore[no-untyped-def]
    echo = {"error": {"message": f"proxy refused Authorization: Token token={KEY}"}}
    responses.get(URL, status=503, json=echo)
    session = UpstreamSession(
        headers={"Authorization": f"Token token={KEY}"}, max_attempts=3, sleep=lambda s: None
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(UpstreamError) as raised:
        session.get_json(URL)
    assert raised.value.kind == ErrorKind.UNAVAILABLE
    assert "retrying" in caplog.text and "[redacted]" in caplog.text
    assert KEY not in caplog.text and KEY not in str(raised.value)


@responses.activate
def test_a_form_post_s_secrets_are_redacted_from_its_error(settings) -> None:  # type: ignore[no-untyped-def]
    responses.post(
        URL, status=502, json={"message": f"bad client_secret s3cr3t-value, token {TOKEN}"}
    )
    session = UpstreamSession(headers={}, max_attempts=1)
    with pytest.raises(UpstreamError) as raised:
        session.post_form(URL, {"client_secret": "s3cr3t-value", "token": TOKEN, "grant": "x"})
    assert "s3cr3t-value" not in str(raised.value) and TOKEN not in str(raised.value)
