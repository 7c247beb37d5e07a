"""OAuth tokens are renewed, with rotation, shortly before they expire (unit tests)."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs

import pytest
import responses
from django.utils import timezone

from integrations.http import ErrorKind, UpstreamError
from integrations.models import Connection
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
def test_a_renewal_by_the_worker_is_not_an_audited_change() -> None:
    from auditlog.models import LogEntry

    connection = oauth_connection(timedelta(minutes=20))
    before = LogEntry.objects.count()
    responses.post(
        TOKEN_URL,
        json={"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": 864000},
    )
    assert access_token_for(connection) == "new-access"
    assert LogEntry.objects.count() == before


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


@responses.activate
def test_while_another_worker_renews_this_one_waits_for_its_token() -> None:
    connection = oauth_connection(timedelta(minutes=5))
    Connection.objects.filter(pk=connection.pk).update(
        token_refresh_until=timezone.now() + timedelta(seconds=60)
    )

    def other_worker_finishes(seconds: float) -> None:
        other = Connection.objects.get(pk=connection.pk)
        other.set_credentials(
            {
                "access_token": "their-access",
                "refresh_token": "their-refresh",
                "expires_at": (timezone.now() + timedelta(days=10)).isoformat(),
                "scope": "openid read",
            },
            hint="",
        )
        other.save()

    assert access_token_for(connection, sleep=other_worker_finishes) == "their-access"
    assert len(responses.calls) == 0  # the rotated refresh token was spent once, by them


@responses.activate
def test_a_renewal_that_never_finishes_elsewhere_is_a_retryable_failure(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    connection = oauth_connection(timedelta(minutes=5))
    Connection.objects.filter(pk=connection.pk).update(
        token_refresh_until=timezone.now() + timedelta(seconds=60)
    )
    clock = iter(range(0, 1000, 20))
    monkeypatch.setattr(
        "integrations.providers.pagerduty.oauth.time.monotonic", lambda: next(clock)
    )
    with pytest.raises(UpstreamError) as raised:
        access_token_for(connection, sleep=lambda seconds: None)
    assert raised.value.kind == ErrorKind.UNAVAILABLE and not raised.value.permanent
    assert len(responses.calls) == 0


@responses.activate
def test_the_lease_is_released_after_a_renewal_even_a_refused_one() -> None:
    connection = oauth_connection(timedelta(minutes=5))
    responses.post(TOKEN_URL, status=400, json={"error": "invalid_grant"})
    with pytest.raises(UpstreamError):
        access_token_for(connection)
    connection.refresh_from_db()
    assert connection.token_refresh_until is None
