"""A mocked identity provider (`responses`) for the single sign-on tests: discovery, token,
userinfo and JWKS of https://idp.example.com, with ID tokens signed by a key made here."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from jwt.algorithms import RSAAlgorithm

from accounts.sso.config import forget_discovery

ISSUER = "https://idp.example.com"
CLIENT_ID = "evidencehub-test"
CLIENT_SECRET = "client-secret-" + "z" * 20
AUTHORIZE = f"{ISSUER}/authorize"
TOKEN = f"{ISSUER}/token"
USERINFO = f"{ISSUER}/userinfo"
JWKS = f"{ISSUER}/jwks"
KID = "test-key"
ROLE_GROUPS = {"eh-admins": "admin", "eh-auditors": "auditor", "eh-staff": "staff"}


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY = new_key()


def jwks(key: rsa.RSAPrivateKey = KEY) -> dict[str, Any]:
    public = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]}


@pytest.fixture
def sso(settings, db) -> Iterator[responses.RequestsMock]:  # type: ignore[no-untyped-def]
    """SSO configured against the mocked provider; its discovery and JWKS answer."""
    settings.OIDC_ISSUER = ISSUER
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ROLE_GROUPS = ROLE_GROUPS
    forget_discovery()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            f"{ISSUER}/.well-known/openid-configuration",
            json={
                "issuer": ISSUER,
                "authorization_endpoint": AUTHORIZE,
                "token_endpoint": TOKEN,
                "userinfo_endpoint": USERINFO,
                "jwks_uri": JWKS,
            },
        )
        mock.get(JWKS, json=jwks())
        yield mock
    forget_discovery()


def person(email: str, *groups: str, **extra: Any) -> dict[str, Any]:
    return {"sub": f"sub-{email.lower()}", "email": email, "email_verified": True,
            "groups": list(groups), **extra}  # fmt: skip


def id_token(claims: dict[str, Any], *, key: rsa.RSAPrivateKey = KEY, **overrides: Any) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **claims}
    payload.update(overrides)
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": KID})


def start(client: Client, next_url: str = "") -> dict[str, str]:
    """Click "Sign in with …": the parameters sent to the IdP's authorization endpoint."""
    response = client.get("/login/sso/" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == AUTHORIZE
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def sign_in(
    client: Client,
    mock: responses.RequestsMock,
    claims: dict[str, Any],
    *,
    token: str | None = None,
    userinfo: dict[str, Any] | None = None,
) -> Any:
    """The whole round trip: start, the IdP's token and userinfo answers, the callback."""
    sent = start(client)
    signed = token or id_token({**claims, "nonce": sent["nonce"]})
    mock.post(TOKEN, json={"access_token": "at-1", "token_type": "Bearer", "id_token": signed})
    mock.get(USERINFO, json=userinfo if userinfo is not None else claims)
    return client.get("/login/sso/callback/", {"code": "code-1", "state": sent["state"]})


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def shown_messages(client: Client) -> str:
    """The login page as the browser lands on it after a refusal."""
    page = client.get("/login/")
    assert page.status_code == 200
    return page.content.decode()
