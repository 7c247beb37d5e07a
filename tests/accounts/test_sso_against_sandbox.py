"""Single sign-on end to end against the sandbox's OpenID provider, served on a loopback port:
the app configured as `make run` configures it, a person picked on the consent page, and the
app's real HTTP calls to discovery, token, userinfo and JWKS."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
import requests
from django.test import Client

from accounts.roles import Role
from accounts.services import user_role
from accounts.sso.config import forget_discovery
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')


@pytest.fixture
def sso_sandbox(sandbox, settings):  # type: ignore[no-untyped-def]
    env = sandbox.env()
    settings.OIDC_ISSUER = env["OIDC_ISSUER"]
    settings.OIDC_RP_CLIENT_ID = env["OIDC_RP_CLIENT_ID"]
    settings.OIDC_RP_CLIENT_SECRET = env["OIDC_RP_CLIENT_SECRET"]
    settings.OIDC_ROLE_GROUPS = dict(pair.split("=") for pair in env["OIDC_ROLE_GROUPS"].split(","))
    forget_discovery()
    yield sandbox
    forget_discovery()


def through_the_idp(client: Client, person: str, decision: str = "approve") -> str:
    """Click "Sign in with single sign-on", pick `person` on the consent page; the app's
    callback path with the IdP's answer."""
    start = client.get("/login/sso/")
    assert start.status_code == 302
    consent = requests.get(start["Location"], timeout=10)
    assert consent.status_code == 200
    form = {name: html.unescape(value) for name, value in HIDDEN.findall(consent.text)}
    answer = requests.post(
        start["Location"].split("?")[0],
        data={**form, "account": person, "decision": decision},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert back.netloc == "testserver"
    return f"{back.path}?{back.query}"


def test_the_admin_signs_in_through_the_sandbox_idp_into_their_account(  # type: ignore[no-untyped-def]
    sso_sandbox, django_user_model
) -> None:
    admin = make_user(django_user_model, "admin", Role.ADMIN, email="admin@evidencehub.test")
    client = Client()

    response = client.get(through_the_idp(client, "ada"))

    assert response.status_code == 302 and response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == admin.pk
    assert client.session["signed_in_with"] == "sso"
    assert "Compliance admin" in client.get("/").content.decode()


def test_a_newcomer_is_created_as_staff(sso_sandbox, django_user_model) -> None:  # type: ignore[no-untyped-def]
    client = Client()

    client.get(through_the_idp(client, "nico"))

    user = django_user_model.objects.get(email="newcomer@evidencehub.test")
    assert user_role(user) == Role.STAFF


def test_the_outsider_is_refused_on_the_login_page(sso_sandbox, django_user_model) -> None:  # type: ignore[no-untyped-def]
    client = Client()

    response = client.get(through_the_idp(client, "otto"))

    assert response["Location"] == "/login/"
    page = html.unescape(client.get("/login/").content.decode())
    assert "ask your administrator to add you to one of: evidencehub-admins" in page
    assert not django_user_model.objects.exists()


def test_denying_on_the_consent_page_says_so(sso_sandbox) -> None:  # type: ignore[no-untyped-def]
    client = Client()

    client.get(through_the_idp(client, "ada", decision="deny"))

    page = client.get("/login/").content.decode()
    assert "was cancelled or refused by the identity provider" in page
