"""OAuth tokens are renewed, with rotation, shortly before they expire (unit tests)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs

import pytest
import responses
from django.utils import timezone

from integrations.http import ErrorKind, UpstreamError
from integrations.providers.pagerduty.oauth import access_token_for
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db
TOKEN_URL = "https://identity.pagerduty.com/oauth/token"


def oauth_connection(expires_in: timedelta):  # type: ignore[no-untyped-def]
    connection = make_connection(provider="pagerduty")
    connection.auth_method = "oauth"
    connection.set_credentials(
        {
            "access_token": "old-access",
            "refresh_token": "old-refresh",
            "expires_at": (timezone.now() + expires_in).isoformat(),
            "scope": "openid read",
        },
        hint="",
    )
    connection.save()
    return connection


@responses.activate
def test_a_token_far_from_expiry_is_used_as_is() -> None:
    connection = oauth_connection(timedelta(days=9))
    assert access_token_for(connection) == "old-access"
    assert len(responses.calls) == 0


@responses.activate
def test_a_token_about_to_expire_is_renewed_and_both_tokens_rotated() -> None:
    connection = oauth_connection(timedelta(minutes=20))
    responses.post(
        TOKEN_URL,
        json={
            "access_token": "new-access",
            "refresh_token": "new-refresh",
            "token_type": "bearer",
            "scope": "openid read",
            "expires_in": 864000,
        },
    )
    assert access_token_for(connection) == "new-access"
    sent = parse_qs(responses.calls[0].request.body)
    assert sent["grant_type"] == ["refresh_token"] and sent["refresh_token"] == ["old-refresh"]
    assert sent["client_id"] == ["test-client-id"]
    connection.refresh_from_db()
    stored = connection.get_credentials()
    assert (stored["access_token"], stored["refresh_token"]) == ("new-access", "new-refresh")
    assert timezone.now() + timedelta(days=9) < datetime.fromisoformat(stored["expires_at"])
    # The next call uses the new token without asking again.
    assert access_token_for(connection) == "new-access"
    assert len(responses.calls) == 1


@responses.activate
def test_a_refused_renewal_is_a_permanent_401_and_keeps_the_old_tokens() -> None:
    connection = oauth_connection(timedelta(minutes=-5))
    responses.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    with pytest.raises(UpstreamError) as raised:
        access_token_for(connection)
    assert raised.value.kind == ErrorKind.UNAUTHORIZED and raised.value.permanent
    assert "connect with PagerDuty again" in str(raised.value)
    assert "old-refresh" not in str(raised.value)
    connection.refresh_from_db()
    assert connection.get_credentials()["refresh_token"] == "old-refresh"


@responses.activate
def test_a_renewal_answer_without_tokens_changes_nothing() -> None:
    connection = oauth_connection(timedelta(minutes=1))
    responses.post(TOKEN_URL, json={"token_type": "bearer"})
    with pytest.raises(UpstreamError) as raised:
        access_token_for(connection)
    assert raised.value.kind == ErrorKind.MALFORMED
    connection.refresh_from_db()
    assert connection.get_credentials()["access_token"] == "old-access"
