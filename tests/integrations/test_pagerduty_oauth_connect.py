"""Connect with PagerDuty: the authorization request, the callback's checks, the token exchange
and what is saved (unit tests; PagerDuty answered by `responses`)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.db import connection as db
from django.test import Client

from integrations.models import Connection
from integrations.providers.pagerduty.oauth import pkce_challenge

pytestmark = pytest.mark.django_db

START = "/settings/integrations/pagerduty/connect/oauth/"
CALLBACK = "/settings/integrations/pagerduty/oauth/callback/"
TOKEN_URL = "https://identity.pagerduty.com/oauth/token"
US_INCIDENTS = "https://api.pagerduty.com/incidents"
EU_INCIDENTS = "https://api.eu.pagerduty.com/incidents"
ACCESS = "pdus+_0XBPWQQ_11111111-2222-3333-4444-555555555555"
REFRESH = "pdus+_1XBPWQQ_66666666-7777-8888-9999-000000000000"
PAGE = {"incidents": [], "limit": 1, "offset": 0, "more": False, "total": None}


def id_token(**claims: Any) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    body = {"aud": ["https://api.pagerduty.com", "test-client-id"], "subdomain": "acme", **claims}
    return f"{part({'alg': 'RS256', 'kid': 'k'})}.{part(body)}.c2lnbmF0dXJl"


def token_answer(**claims: Any) -> dict[str, Any]:
    return {
        "client_info": "prefix_legacy_app",
        "id_token": id_token(**claims),
        "token_type": "bearer",
        "access_token": ACCESS,
        "refresh_token": REFRESH,
        "scope": "openid read",
        "expires_in": 864000,
    }


def start(client: Client) -> dict[str, str]:
    """POST the Connect with PagerDuty button; returns the authorize URL's query."""
    response = client.post(START)
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == (
        "https://identity.pagerduty.com/oauth/authorize"
    )
    return {name: values[0] for name, values in parse_qs(url.query).items()}


def test_the_button_sends_the_admin_to_pagerduty_with_pkce_and_state(admin_client) -> None:  # type: ignore[no-untyped-def]
    query = start(admin_client)
    pending = admin_client.session["pagerduty_oauth"]
    assert query["client_id"] == "test-client-id"
    assert query["response_type"] == "code"
    assert query["scope"] == "read"
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"] == pkce_challenge(pending["verifier"])
    assert query["state"] == pending["state"] and len(query["state"]) >= 32
    assert query["redirect_uri"] == f"http://testserver{CALLBACK}"
    assert "verifier" not in json.dumps(query)


def test_a_scoped_app_asks_for_the_three_read_scopes(admin_client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PAGERDUTY_OAUTH_APP_TYPE = "scoped"
    assert start(admin_client)["scope"] == "incidents.read services.read users.read"


def test_each_start_has_a_new_state_and_verifier(admin_client) -> None:  # type: ignore[no-untyped-def]
    first = start(admin_client)
    second = start(admin_client)
    assert first["state"] != second["state"]
    assert first["code_challenge"] != second["code_challenge"]


def test_without_an_app_the_oauth_choice_explains_and_the_key_path_remains(  # type: ignore[no-untyped-def]
    admin_client, settings
) -> None:
    settings.PAGERDUTY_OAUTH_CLIENT_ID = ""
    page = admin_client.get("/settings/integrations/pagerduty/connect/").content.decode()
    assert "Not available on this installation" in page
    assert ">Connect with PagerDuty</button>" not in page
    assert ">Use an API key</a>" in page
    assert admin_client.post(START).status_code == 400


def test_a_state_that_this_session_did_not_start_is_refused_with_403(admin_client) -> None:  # type: ignore[no-untyped-def]
    start(admin_client)
    response = admin_client.get(CALLBACK, {"code": "abc", "state": "forged"})
    assert response.status_code == 403
    assert "does not belong to a connection started in this browser session" in (
        response.content.decode()
    )
    assert not Connection.objects.exists()
    # The state is single-use: the real one no longer works after a refused attempt either.
    assert "pagerduty_oauth" not in admin_client.session


def test_a_callback_without_any_started_connection_is_refused(admin_client) -> None:  # type: ignore[no-untyped-def]
    assert admin_client.get(CALLBACK, {"code": "abc", "state": "x"}).status_code == 403


def test_another_admins_state_is_refused(admin_client, django_user_model) -> None:  # type: ignore[no-untyped-def]
    from accounts.roles import Role
    from tests.conftest import _client_for, make_user

    other = _client_for(make_user(django_user_model, "other-admin", Role.ADMIN))
    state = start(other)["state"]
    assert admin_client.get(CALLBACK, {"code": "abc", "state": state}).status_code == 403


def test_denied_consent_says_so_and_saves_nothing(admin_client) -> None:  # type: ignore[no-untyped-def]
    state = start(admin_client)["state"]
    response = admin_client.get(
        CALLBACK,
        {
            "error": "access_denied",
            "error_description": "The resource owner or authorization server denied the request.",
            "state": state,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "You declined access in PagerDuty, so nothing was connected." in page
    assert not Connection.objects.exists()


@responses.activate
def test_an_approved_code_connects_with_the_region_and_account_of_the_token(admin_client) -> None:  # type: ignore[no-untyped-def]
    state = start(admin_client)["state"]
    verifier = admin_client.session["pagerduty_oauth"]["verifier"]
    token = responses.post(
        TOKEN_URL,
        json=token_answer(
            aud=["https://api.eu.pagerduty.com", "test-client-id"], subdomain="acme-eu"
        ),
    )
    incidents = responses.get(EU_INCIDENTS, json=PAGE)
    response = admin_client.get(CALLBACK, {"code": "the-code", "state": state})
    assert response.status_code == 302
    assert response["Location"] == "/settings/integrations/pagerduty/services/"
    sent = parse_qs(token.calls[0].request.body)
    assert sent["grant_type"] == ["authorization_code"]
    assert sent["code"] == ["the-code"] and sent["code_verifier"] == [verifier]
    assert sent["client_secret"] == ["test-client-secret"]
    assert sent["redirect_uri"] == [f"http://testserver{CALLBACK}"]
    assert incidents.calls[0].request.headers["Authorization"] == f"Bearer {ACCESS}"
    connection = Connection.objects.get(provider="pagerduty")
    assert (connection.region, connection.account_name) == ("eu", "acme-eu")
    assert connection.auth_method == "oauth"
    assert connection.services_confirmed_at is None  # nothing syncs before services are chosen
    credentials = connection.get_credentials()
    assert credentials["access_token"] == ACCESS and credentials["refresh_token"] == REFRESH
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials FROM integrations_connection")
        (raw,) = cursor.fetchone()
    assert ACCESS not in raw and REFRESH not in raw and raw.startswith("gAAAA")
    page = admin_client.get("/settings/integrations/pagerduty/").content.decode()
    assert "Connected with PagerDuty (OAuth)" in page and "acme-eu" in page
    assert ACCESS not in page and REFRESH not in page
    assert "One step left: choose services" in page


@responses.activate
def test_the_region_claim_is_used_when_the_audience_does_not_say(admin_client) -> None:  # type: ignore[no-untyped-def]
    state = start(admin_client)["state"]
    responses.post(TOKEN_URL, json=token_answer(aud=["test-client-id"], region="UnitedStates"))
    responses.get(US_INCIDENTS, json=PAGE)
    admin_client.get(CALLBACK, {"code": "c", "state": state})
    assert Connection.objects.get().region == "us"


@responses.activate
def test_without_any_region_in_the_token_both_regions_are_tried(admin_client) -> None:  # type: ignore[no-untyped-def]
    state = start(admin_client)["state"]
    responses.post(TOKEN_URL, json=token_answer(aud=["test-client-id"]))
    responses.get(US_INCIDENTS, status=401, json={"error": {"message": "x", "code": 2006}})
    responses.get(EU_INCIDENTS, json=PAGE)
    admin_client.get(CALLBACK, {"code": "c", "state": state})
    assert Connection.objects.get().region == "eu"


@responses.activate
def test_an_expired_code_asks_to_start_again(admin_client) -> None:  # type: ignore[no-untyped-def]
    state = start(admin_client)["state"]
    responses.post(
        TOKEN_URL,
        status=400,
        json={"error": "invalid_grant", "error_description": "The authorization code has expired."},
    )
    page = admin_client.get(CALLBACK, {"code": "old", "state": state}).content.decode()
    assert "valid for only 30 seconds and once" in page
    assert not Connection.objects.exists()


@responses.activate
def test_an_unknown_token_error_shows_pagerdutys_words_escaped(admin_client) -> None:  # type: ignore[no-untyped-def]
    state = start(admin_client)["state"]
    responses.post(
        TOKEN_URL, status=400, json={"error": "invalid_scope", "error_description": "<b>no</b>"}
    )
    page = admin_client.get(CALLBACK, {"code": "c", "state": state}).content.decode()
    assert (
        "PagerDuty refused the authorization (invalid_scope) (PagerDuty said: &lt;b&gt;no" in page
    )


@responses.activate
def test_an_identity_outage_is_reported_and_nothing_saved(admin_client) -> None:  # type: ignore[no-untyped-def]
    state = start(admin_client)["state"]
    responses.post(TOKEN_URL, status=503)
    page = admin_client.get(CALLBACK, {"code": "c", "state": state}).content.decode()
    assert "PagerDuty is not answering, try again in a minute" in page
    assert not Connection.objects.exists()


@responses.activate
def test_a_token_that_cannot_read_incidents_is_not_saved(admin_client) -> None:  # type: ignore[no-untyped-def]
    state = start(admin_client)["state"]
    responses.post(TOKEN_URL, json=token_answer())
    responses.get(
        US_INCIDENTS, status=403, json={"error": {"message": "Access Denied", "code": 2010}}
    )
    page = admin_client.get(CALLBACK, {"code": "c", "state": state}).content.decode()
    assert "This authorization cannot read incidents" in page
    assert "lacks the incidents.read scope" in page
    assert not Connection.objects.exists()


@responses.activate
def test_an_id_token_for_another_client_is_refused(admin_client) -> None:  # type: ignore[no-untyped-def]
    state = start(admin_client)["state"]
    responses.post(TOKEN_URL, json=token_answer(aud=["https://api.pagerduty.com", "someone"]))
    page = admin_client.get(CALLBACK, {"code": "c", "state": state}).content.decode()
    assert "Not connected." in page
    assert not Connection.objects.exists()


def test_auditors_and_staff_cannot_start_or_finish_a_connection(  # type: ignore[no-untyped-def]
    auditor_client, staff_client
) -> None:
    for client in (auditor_client, staff_client):
        assert client.post(START).status_code == 403
        assert client.get(CALLBACK, {"code": "c", "state": "s"}).status_code == 403
    assert not Connection.objects.exists()


def test_an_approval_older_than_15_minutes_must_start_again(admin_client) -> None:  # type: ignore[no-untyped-def]
    state = start(admin_client)["state"]
    session = admin_client.session
    session["pagerduty_oauth"] = {**session["pagerduty_oauth"], "started": 0}
    session.save()
    page = admin_client.get(CALLBACK, {"code": "c", "state": state}).content.decode()
    assert "The approval took too long. Start again." in page
    assert not Connection.objects.exists()


def test_an_unknown_error_on_the_redirect_is_shown_escaped(admin_client) -> None:  # type: ignore[no-untyped-def]
    state = start(admin_client)["state"]
    query = {"error": "server_error", "error_description": "<i>down</i>", "state": state}
    page = admin_client.get(CALLBACK, query).content.decode()
    assert "PagerDuty did not authorize the connection (server_error)" in page
    assert "It said: &lt;i&gt;down&lt;/i&gt;" in page
