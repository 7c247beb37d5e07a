"""Connect with PagerDuty through the Django views against the sandbox's OAuth server: the happy
path, a PKCE failure, an expired code, and the refresh rotation of a stored connection."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client

from integrations.http import ErrorKind, UpstreamError
from integrations.models import Connection
from integrations.providers.pagerduty.oauth import REFRESH_MARGIN, access_token_for
from integrations.providers.pagerduty.service_selection import refresh_services
from integrations.sandbox.server import SandboxServer

pytestmark = pytest.mark.django_db
START = "/settings/integrations/pagerduty/connect/oauth/"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def server(clock: Clock) -> Iterator[SandboxServer]:
    sandbox = SandboxServer(seed=3, incidents=5, users=5, pagerduty_incidents=30, clock=clock)
    yield sandbox.start()
    sandbox.stop()


@pytest.fixture(autouse=True)
def pointed(server: SandboxServer, settings, clock: Clock) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings.PAGERDUTY_BASE_URLS = {r: server.pagerduty_url(r) for r in ("us", "eu")}
    settings.PAGERDUTY_IDENTITY_URL = server.pagerduty_identity_url()
    settings.PAGERDUTY_OAUTH_CLIENT_ID = server.keys.pagerduty_client_id
    settings.PAGERDUTY_OAUTH_CLIENT_SECRET = server.keys.pagerduty_client_secret
    clock.now = time.time()
    yield
    server.pagerduty_identity.reset()


def approve(client: Client, account: str = "us", decision: str = "approve") -> str:
    """Start in the app, answer the sandbox's consent form; returns the callback path+query."""
    authorize = client.post(START)["Location"]
    page = requests.get(authorize, timeout=5)
    assert page.status_code == 200 and "Approve" in page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
    fields = {name: html.unescape(value) for name, value in fields.items()}
    answer = requests.post(
        authorize.split("?")[0],
        data={**fields, "account": account, "decision": decision},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    url = urlsplit(answer.headers["Location"])
    return f"{url.path}?{url.query}"


def test_approving_connects_the_chosen_account(admin_client: Client, server: SandboxServer) -> None:
    response = admin_client.get(approve(admin_client, account="eu"))
    assert response["Location"] == "/settings/integrations/pagerduty/services/"
    connection = Connection.objects.get(provider="pagerduty")
    assert (connection.region, connection.auth_method) == ("eu", "oauth")
    assert connection.account_name == "evidencehub-sandbox"
    token = connection.get_credentials()["access_token"]
    # The stored token reads the EU account's incidents and is unknown in the US.
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{server.pagerduty_url('eu')}/incidents", headers=headers).ok
    us = requests.get(f"{server.pagerduty_url('us')}/incidents", headers=headers)
    assert us.status_code == 401


def test_a_wrong_pkce_verifier_is_refused_and_saves_nothing(admin_client: Client) -> None:
    callback = approve(admin_client)
    session = admin_client.session
    session["pagerduty_oauth"] = {**session["pagerduty_oauth"], "verifier": "x" * 86}
    session.save()
    page = admin_client.get(callback).content.decode()
    assert "PagerDuty did not accept the authorization code" in page
    assert "PKCE verification failed" in page
    assert not Connection.objects.exists()


def test_a_code_older_than_30_seconds_is_refused(admin_client: Client, clock: Clock) -> None:
    callback = approve(admin_client)
    clock.now += 31
    page = admin_client.get(callback).content.decode()
    assert "valid for only 30 seconds and once" in page
    assert "The authorization code has expired." in page
    assert not Connection.objects.exists()


def test_denial_comes_back_as_a_clear_message(admin_client: Client) -> None:
    page = admin_client.get(approve(admin_client, decision="deny")).content.decode()
    assert "You declined access in PagerDuty" in page
    assert not Connection.objects.exists()


def test_tokens_are_renewed_before_expiry_and_the_old_refresh_token_dies(  # type: ignore[no-untyped-def]
    admin_client: Client, server: SandboxServer, clock: Clock
) -> None:
    server.pagerduty_identity.configure({"access_token_ttl_seconds": 2 * 3600})
    admin_client.get(approve(admin_client))
    connection = Connection.objects.get(provider="pagerduty")
    first = connection.get_credentials()
    assert access_token_for(connection) == first["access_token"]  # two hours left: kept

    # Time passes until less than the margin is left, for the sandbox and for us.
    passed = timedelta(hours=2) - REFRESH_MARGIN + timedelta(minutes=1)
    clock.now += passed.total_seconds()
    stored = connection.get_credentials()
    stored["expires_at"] = (datetime.fromisoformat(stored["expires_at"]) - passed).isoformat()
    connection.set_credentials(stored, hint="")
    connection.save()

    renewed = access_token_for(connection)
    second = Connection.objects.get(pk=connection.pk).get_credentials()
    assert renewed == second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    headers = {"Authorization": f"Bearer {renewed}"}
    assert requests.get(f"{server.pagerduty_url('us')}/incidents", headers=headers).ok

    # The rotated-out refresh token is refused by PagerDuty: a renewal with it fails clearly.
    stale = Connection.objects.get(pk=connection.pk)
    stale.set_credentials(
        {**second, "refresh_token": first["refresh_token"], "expires_at": "x"}, hint=""
    )
    stale.save()
    with pytest.raises(UpstreamError) as refused:
        access_token_for(stale)
    assert refused.value.kind == ErrorKind.UNAUTHORIZED


def test_a_scoped_app_connects_and_its_token_reads_incidents_and_services(  # type: ignore[no-untyped-def]
    admin_client: Client, server: SandboxServer, settings
) -> None:
    settings.PAGERDUTY_OAUTH_APP_TYPE = "scoped"
    admin_client.get(approve(admin_client))
    connection = Connection.objects.get(provider="pagerduty")
    credentials = connection.get_credentials()
    assert credentials["scope"].split() == [
        "openid",
        "incidents.read",
        "services.read",
        "users.read",
    ]
    assert [s.name for s in refresh_services(connection)]  # services.read was granted


def test_disconnecting_revokes_the_tokens_at_the_sandbox_and_erases_them(  # type: ignore[no-untyped-def]
    admin_client: Client, server: SandboxServer, monkeypatch
) -> None:
    monkeypatch.setattr("integrations.tasks.sync_schedule_remove", lambda **kwargs: None)
    admin_client.get(approve(admin_client))
    credentials = Connection.objects.get(provider="pagerduty").get_credentials()
    headers = {"Authorization": f"Bearer {credentials['access_token']}"}
    incidents = f"{server.pagerduty_url('us')}/incidents"
    assert requests.get(incidents, headers=headers, timeout=5).ok

    page = admin_client.post("/settings/integrations/pagerduty/disconnect/", follow=True)

    assert "PagerDuty revoked the authorization" in page.content.decode()
    assert requests.get(incidents, headers=headers, timeout=5).status_code == 401
    refresh = requests.post(
        f"{server.pagerduty_identity_url()}/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": credentials["refresh_token"],
            "client_id": server.keys.pagerduty_client_id,
            "client_secret": server.keys.pagerduty_client_secret,
        },
        timeout=5,
    )
    assert refresh.json()["error"] == "invalid_grant"
    connection = Connection.objects.get(provider="pagerduty")
    assert (connection.status, connection.credentials) == ("disconnected", "")
    # Connecting again is a fresh approval, whose new token works.
    admin_client.get(approve(admin_client))
    again = Connection.objects.get(provider="pagerduty")
    assert again.pk == connection.pk and again.status == "connected"
    fresh = {"Authorization": f"Bearer {again.get_credentials()['access_token']}"}
    assert requests.get(incidents, headers=fresh, timeout=5).ok
