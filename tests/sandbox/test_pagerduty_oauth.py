"""The emulated PagerDuty identity server: consent, code, token, refresh, ID token, expiry."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from integrations.providers.pagerduty.sandbox.data import SUBDOMAIN
from integrations.sandbox.server import SandboxServer
from tests.sandbox.support import NOW, SEED, USERS

REDIRECT = "http://localhost:8000/integrations/pagerduty/callback"
AUTH_FAILED = {"error": {"message": "Authentication failed", "code": 2006}}
DENIED = "The+resource+owner+or+authorization+server+denied+the+request."


class Clock:
    """The sandbox's clock, moved forward by hand."""

    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def server(clock: Clock) -> Iterator[SandboxServer]:
    sandbox = SandboxServer(
        seed=SEED, incidents=5, users=USERS, now=NOW, pagerduty_incidents=40, clock=clock
    ).start()
    yield sandbox
    sandbox.stop()


@pytest.fixture(autouse=True)
def _default_lifetimes(server: SandboxServer) -> Iterator[None]:
    yield
    server.pagerduty_identity.reset()


# --- helpers ----------------------------------------------------------------------------------


def _identity(server: SandboxServer) -> str:
    return server.pagerduty_identity_url()


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _authorize_params(server: SandboxServer, **overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "client_id": server.keys.pagerduty_client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "read",
        "state": "s-123",
        **overrides,
    }
    return {name: value for name, value in params.items() if value is not None}


def _consent(server: SandboxServer, **overrides: str | None) -> requests.Response:
    url = f"{_identity(server)}/oauth/authorize"
    params = _authorize_params(server, **overrides)
    return requests.get(url, params=params, allow_redirects=False, timeout=10)


def _decide(
    server: SandboxServer, decision: str = "approve", account: str = "us", **overrides: str | None
) -> requests.Response:
    form = {**_authorize_params(server, **overrides), "account": account, "decision": decision}
    url = f"{_identity(server)}/oauth/authorize"
    return requests.post(url, data=form, allow_redirects=False, timeout=10)


def _query(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return dict(parse_qsl(urlsplit(response.headers["Location"]).query))


def _code(server: SandboxServer, account: str = "us", **overrides: str | None) -> str:
    return _query(_decide(server, account=account, **overrides))["code"]


def _token(server: SandboxServer, data: Any = None, **kwargs: Any) -> requests.Response:
    return requests.post(f"{_identity(server)}/oauth/token", data=data, timeout=10, **kwargs)


def _exchange(server: SandboxServer, code: str, **overrides: str | None) -> requests.Response:
    form: dict[str, str | None] = {
        "grant_type": "authorization_code",
        "client_id": server.keys.pagerduty_client_id,
        "client_secret": server.keys.pagerduty_client_secret,
        "code": code,
        "redirect_uri": REDIRECT,
        **overrides,
    }
    return _token(server, {name: value for name, value in form.items() if value is not None})


def _tokens(server: SandboxServer, scope: str = "read", account: str = "us") -> dict[str, Any]:
    verifier, challenge = _pkce()
    code = _code(
        server, account, scope=scope, code_challenge=challenge, code_challenge_method="S256"
    )
    response = _exchange(server, code, code_verifier=verifier)
    assert response.status_code == 200, response.text
    return response.json()


def _refresh(server: SandboxServer, refresh_token: str) -> requests.Response:
    return _token(
        server,
        {
            "grant_type": "refresh_token",
            "client_id": server.keys.pagerduty_client_id,
            "client_secret": server.keys.pagerduty_client_secret,
            "refresh_token": refresh_token,
        },
    )


def _rest(server: SandboxServer, token: str, path: str, region: str = "us") -> requests.Response:
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.pagerduty+json;version=2",
    }
    return requests.get(server.pagerduty_url(region) + path, headers=headers, timeout=10)


def _assert_oauth_error(response: requests.Response, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert response.headers["Cache-Control"] == "no-store"
    return body["error_description"]


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


class _FormFields(HTMLParser):
    """What a browser would submit from the consent form (with the default radio)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.radios: dict[str, bool] = {}
        self.action = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "form":
            self.action = named["action"] or ""
        if tag != "input":
            return
        if named["type"] == "radio":
            self.radios[named["value"] or ""] = "checked" in named
            if "checked" in named:
                self.fields[named["name"] or ""] = named["value"] or ""
        else:
            self.fields[named["name"] or ""] = named["value"] or ""


def _form_of(page: requests.Response) -> _FormFields:
    parser = _FormFields()
    parser.feed(page.text)
    return parser


# --- consent page -----------------------------------------------------------------------------


def test_the_consent_page_offers_both_accounts_and_approve_or_deny(server: SandboxServer):
    page = _consent(server)

    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    form = _form_of(page)
    assert form.action == "/pagerduty/identity/oauth/authorize"
    assert form.radios == {"us": True, "eu": False}
    assert f"(US) — subdomain {SUBDOMAIN}" in page.text
    assert f"(EU) — subdomain {SUBDOMAIN}" in page.text
    assert ">Approve</button>" in page.text
    assert ">Deny</button>" in page.text
    assert "<form method='post'" in page.text


def test_the_consent_page_escapes_a_hostile_state_and_carries_it_back(server: SandboxServer):
    hostile = "\"'><script>alert(1)</script>&x=1"
    _, challenge = _pkce()
    page = _consent(
        server,
        state=hostile,
        scope="<b>x</b>",
        code_challenge=challenge,
        code_challenge_method="S256",
    )

    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "<b>x</b>" not in page.text
    assert "&lt;script&gt;" in page.text
    form = _form_of(page)
    assert form.fields["state"] == hostile
    assert form.fields["code_challenge"] == challenge
    submitted = {**form.fields, "decision": "approve"}
    url = server.base_url + form.action
    answer = requests.post(url, data=submitted, allow_redirects=False, timeout=10)

    assert _query(answer)["state"] == hostile


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "no-such-client"},
        {"client_id": None},
        {"redirect_uri": None},
        {"redirect_uri": "javascript:alert(1)"},
        {"redirect_uri": "ftp://localhost/cb"},
        {"redirect_uri": "/relative/callback"},
        {"redirect_uri": REDIRECT + "#fragment"},
    ],
)
def test_an_unknown_client_or_a_bad_redirect_uri_gets_a_400_page_and_no_redirect(
    server: SandboxServer, overrides: dict[str, str | None]
):
    for response in (_consent(server, **overrides), _decide(server, **overrides)):
        assert response.status_code == 400
        assert "Location" not in response.headers
        assert response.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "overrides",
    [
        {"response_type": "token"},
        {"response_type": None},
        {"code_challenge": "x" * 43, "code_challenge_method": "plain"},
        {"code_challenge": "x" * 43},
        {"scope": "incidents.read services.read"},  # Scoped OAuth needs PKCE
    ],
)
def test_a_bad_request_from_a_known_client_redirects_back_with_invalid_request(
    server: SandboxServer, overrides: dict[str, str | None]
):
    answer = _query(_consent(server, **overrides))

    assert answer["error"] == "invalid_request"
    assert answer["error_description"]
    assert answer["state"] == "s-123"
    assert "code" not in answer


def test_deny_redirects_with_access_denied_and_the_state(server: SandboxServer):
    response = _decide(server, decision="deny")

    assert response.headers["Location"] == (
        f"{REDIRECT}?error=access_denied&error_description={DENIED}&state=s-123"
    )


def test_approve_redirects_with_code_state_and_subdomain_keeping_the_redirect_query(
    server: SandboxServer,
):
    redirect_uri = "http://127.0.0.1:9/cb?next=%2Fhome"
    response = _decide(server, redirect_uri=redirect_uri, account="eu")

    location = response.headers["Location"]
    assert location.startswith("http://127.0.0.1:9/cb?next=%2Fhome&code=")
    assert list(_query(response)) == ["next", "code", "state", "subdomain"]
    assert _query(response)["subdomain"] == SUBDOMAIN


def test_without_a_state_the_redirect_has_none(server: SandboxServer):
    assert "state" not in _query(_decide(server, state=None))
    assert "state" not in _query(_decide(server, state=None, decision="deny"))


# --- tokens -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("account", "other"), [("us", "eu"), ("eu", "us")])
def test_a_classic_token_with_pkce_reads_the_approving_region_only(
    server: SandboxServer, account: str, other: str
):
    body = _tokens(server, "read", account)

    assert set(body) == {
        "client_info",
        "id_token",
        "token_type",
        "access_token",
        "refresh_token",
        "scope",
        "expires_in",
    }
    assert body["client_info"] == "prefix_legacy_app"
    assert body["token_type"] == "bearer"
    assert body["access_token"].startswith("pdus+_0XBPWQQ_")
    assert body["refresh_token"].startswith("pdus+_1XBPWQQ_")
    assert body["scope"] == "openid read"
    assert body["expires_in"] == 864000
    assert _rest(server, body["access_token"], "/incidents", account).status_code == 200
    foreign = _rest(server, body["access_token"], "/incidents", other)
    assert foreign.status_code == 401
    assert foreign.json() == AUTH_FAILED
    me = _rest(server, body["access_token"], "/users/me", account).json()["user"]
    assert me["role"] in ("owner", "admin")


def test_a_classic_token_without_pkce_needs_the_client_secret(server: SandboxServer):
    code = _code(server)

    missing = _exchange(server, code, client_secret=None)
    assert _assert_oauth_error(missing, 401, "invalid_client")
    accepted = _exchange(server, code)

    assert accepted.status_code == 200
    assert _rest(server, accepted.json()["access_token"], "/incidents").status_code == 200


def test_a_public_client_may_exchange_with_the_verifier_alone(server: SandboxServer):
    verifier, challenge = _pkce()
    code = _code(server, code_challenge=challenge, code_challenge_method="S256")

    response = _exchange(server, code, client_secret=None, code_verifier=verifier)

    assert response.status_code == 200


def test_a_scoped_token_with_pkce_gets_the_valid_scopes_it_asked_for(server: SandboxServer):
    body = _tokens(server, "incidents.read services.read no.such.scope read")

    assert body["scope"] == "openid incidents.read services.read"
    assert _rest(server, body["access_token"], "/incidents").status_code == 200
    assert _rest(server, body["access_token"], "/users").status_code == 403


def test_a_scoped_token_without_incidents_read_is_403_on_incidents_only(server: SandboxServer):
    token = _tokens(server, "services.read users.read teams.read")["access_token"]

    denied = _rest(server, token, "/incidents")
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == 2010
    assert _rest(server, token, "/services").status_code == 200


def test_only_invalid_scopes_are_granted_openid_alone(server: SandboxServer):
    body = _tokens(server, "bogus everything.read")

    assert body["scope"] == "openid"
    assert _rest(server, body["access_token"], "/services").status_code == 403


@pytest.mark.parametrize(("account", "region"), [("us", "UnitedStates"), ("eu", "Europe")])
def test_the_id_token_is_a_signed_jwt_naming_the_account(
    server: SandboxServer, clock: Clock, account: str, region: str
):
    body = _tokens(server, "read", account)
    header_b64, payload_b64, signature_b64 = body["id_token"].split(".")
    header = json.loads(_b64decode(header_b64))
    claims = json.loads(_b64decode(payload_b64))
    jwks = requests.get(f"{_identity(server)}/global/oauth/anonymous/jwks", timeout=10).json()
    (jwk,) = jwks["keys"]
    public_key = rsa.RSAPublicNumbers(
        int.from_bytes(_b64decode(jwk["e"]), "big"), int.from_bytes(_b64decode(jwk["n"]), "big")
    ).public_key()

    assert header == {"alg": "RS256", "kid": jwk["kid"], "typ": "JWT"}
    public_key.verify(  # raises InvalidSignature when it does not match
        _b64decode(signature_b64),
        f"{header_b64}.{payload_b64}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    me = _rest(server, body["access_token"], "/users/me", account).json()["user"]
    assert claims["iss"] == f"{_identity(server)}/global/oauth/anonymous"
    assert claims["aud"] == [server.pagerduty_url(account), server.keys.pagerduty_client_id]
    assert claims["sub"] == claims["user_id"] == me["id"]
    assert claims["iat"] == claims["nbf"] == int(clock.now)
    assert claims["exp"] > claims["iat"]
    assert claims["jti"]
    assert claims["purpose"] == "id"
    assert claims["account_id"].startswith("P")
    assert claims["subdomain"] == SUBDOMAIN
    assert claims["region"] == region


def test_a_jwt_library_verifies_the_id_token_with_the_published_key(server: SandboxServer):
    id_token = _tokens(server, "read", "eu")["id_token"]
    jwks = requests.get(f"{_identity(server)}/global/oauth/anonymous/jwks", timeout=10).json()
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(id_token)["kid"]]

    claims = jwt.decode(
        id_token,
        key,
        algorithms=["RS256"],
        audience=server.keys.pagerduty_client_id,
        issuer=f"{_identity(server)}/global/oauth/anonymous",
        # The sandbox's clock is moved by hand in this module; its times are checked above.
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )

    assert claims["region"] == "Europe"


def test_the_openid_configuration_points_at_the_endpoints(server: SandboxServer):
    url = f"{_identity(server)}/global/oauth/anonymous/.well-known/openid-configuration"
    document = requests.get(url, timeout=10).json()

    assert document["token_endpoint"] == f"{_identity(server)}/oauth/token"
    assert document["jwks_uri"] == f"{_identity(server)}/global/oauth/anonymous/jwks"
    assert document["code_challenge_methods_supported"] == ["S256"]


@pytest.mark.parametrize(
    ("verifier", "description"),
    [
        (None, "PKCE verification failed: code_verifier is missing."),
        ("w" * 43, "PKCE verification failed."),
        ("short", "PKCE verification failed."),
    ],
)
def test_a_wrong_or_missing_verifier_is_invalid_grant(
    server: SandboxServer, verifier: str | None, description: str
):
    _, challenge = _pkce()
    code = _code(server, code_challenge=challenge, code_challenge_method="S256")

    response = _exchange(server, code, code_verifier=verifier)

    assert _assert_oauth_error(response, 400, "invalid_grant") == description


def test_a_code_works_only_once(server: SandboxServer):
    code = _code(server)

    assert _exchange(server, code).status_code == 200
    again = _exchange(server, code)

    assert "already been used" in _assert_oauth_error(again, 400, "invalid_grant")


def test_a_code_expires_after_30_seconds_by_the_sandbox_clock(server: SandboxServer, clock: Clock):
    late, in_time = _code(server), _code(server)
    clock.advance(29)
    assert _exchange(server, in_time).status_code == 200
    clock.advance(2)

    response = _exchange(server, late)

    assert _assert_oauth_error(response, 400, "invalid_grant") == (
        "The authorization code has expired."
    )


def test_a_mismatched_redirect_uri_is_invalid_grant(server: SandboxServer):
    response = _exchange(server, _code(server), redirect_uri=REDIRECT + "/other")

    assert "redirect_uri" in _assert_oauth_error(response, 400, "invalid_grant")


def test_an_unknown_code_is_invalid_grant(server: SandboxServer):
    response = _exchange(server, "no-such-code")

    assert _assert_oauth_error(response, 400, "invalid_grant") == (
        "The authorization code is invalid."
    )


@pytest.mark.parametrize("client_id", [None, "no-such-client"])
def test_a_wrong_secret_or_unknown_client_is_401_invalid_client(
    server: SandboxServer, client_id: str | None
):
    code = _code(server)
    overrides = {"client_secret": "wrong"} if client_id is None else {"client_id": client_id}

    _assert_oauth_error(_exchange(server, code, **overrides), 401, "invalid_client")
    assert _exchange(server, code).status_code == 200  # a refused attempt does not spend it


def test_token_parameters_are_accepted_in_the_query_string(server: SandboxServer):
    params = {
        "grant_type": "authorization_code",
        "client_id": server.keys.pagerduty_client_id,
        "client_secret": server.keys.pagerduty_client_secret,
        "code": _code(server),
        "redirect_uri": REDIRECT,
    }

    response = _token(server, params=params)

    assert response.status_code == 200
    assert response.json()["scope"] == "openid read"


def test_http_basic_client_authentication_is_accepted(server: SandboxServer):
    keys = server.keys
    form = {"grant_type": "authorization_code", "code": _code(server), "redirect_uri": REDIRECT}

    wrong = _token(server, form, auth=(keys.pagerduty_client_id, "wrong"))
    assert _assert_oauth_error(wrong, 401, "invalid_client")
    assert wrong.headers["WWW-Authenticate"].startswith("Basic")
    right = _token(server, form, auth=(keys.pagerduty_client_id, keys.pagerduty_client_secret))

    assert right.status_code == 200


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": None}, "invalid_request"),
        ({"grant_type": "authorization_code", "redirect_uri": None}, "invalid_request"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
    ],
)
def test_unsupported_grants_and_missing_parameters_are_400(
    server: SandboxServer, form: dict[str, str | None], error: str
):
    sent = {
        "client_id": server.keys.pagerduty_client_id,
        "client_secret": server.keys.pagerduty_client_secret,
        "code": "some-code",
        "redirect_uri": REDIRECT,
        **form,
    }

    response = _token(server, {k: v for k, v in sent.items() if v is not None})

    _assert_oauth_error(response, 400, error)


def test_the_token_endpoint_only_takes_post(server: SandboxServer):
    response = requests.get(f"{_identity(server)}/oauth/token", timeout=10)

    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


# --- refresh and expiry -----------------------------------------------------------------------


def test_a_refresh_rotates_both_tokens_and_spends_the_old_refresh_token(server: SandboxServer):
    first = _tokens(server, "incidents.read services.read")

    second = _refresh(server, first["refresh_token"])
    assert second.status_code == 200
    rotated = second.json()
    assert set(rotated) == {"token_type", "access_token", "refresh_token", "scope", "expires_in"}
    assert rotated["access_token"] != first["access_token"]
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["scope"] == first["scope"]
    reused = _refresh(server, first["refresh_token"])
    assert "already been used" in _assert_oauth_error(reused, 400, "invalid_grant")
    third = _refresh(server, rotated["refresh_token"])

    assert third.status_code == 200
    assert _rest(server, rotated["access_token"], "/incidents").status_code == 200
    assert _rest(server, first["access_token"], "/incidents").status_code == 200  # Guess
    assert _rest(server, rotated["access_token"], "/users").status_code == 403


def test_a_refresh_with_a_wrong_secret_is_401(server: SandboxServer):
    refresh_token = _tokens(server)["refresh_token"]
    form = {
        "grant_type": "refresh_token",
        "client_id": server.keys.pagerduty_client_id,
        "client_secret": "wrong",
        "refresh_token": refresh_token,
    }

    _assert_oauth_error(_token(server, form), 401, "invalid_client")
    assert _refresh(server, refresh_token).status_code == 200


def test_an_access_token_expires_by_the_sandbox_clock(server: SandboxServer, clock: Clock):
    control = requests.post(
        f"{server.base_url}/_sandbox/oauth", json={"access_token_ttl_seconds": 60}, timeout=10
    )
    assert control.status_code == 200
    body = _tokens(server)
    assert body["expires_in"] == 60
    clock.advance(59)
    assert _rest(server, body["access_token"], "/incidents").status_code == 200
    clock.advance(1)

    expired = _rest(server, body["access_token"], "/incidents")

    assert expired.status_code == 401
    assert expired.json() == AUTH_FAILED
    renewed = _refresh(server, body["refresh_token"]).json()["access_token"]
    assert _rest(server, renewed, "/incidents").status_code == 200


# --- control API and keys ---------------------------------------------------------------------


def test_the_control_api_reads_sets_and_resets_the_lifetimes(server: SandboxServer, clock: Clock):
    url = f"{server.base_url}/_sandbox/oauth"

    assert requests.get(url, timeout=10).json() == {
        "code_ttl_seconds": 30,
        "access_token_ttl_seconds": 864000,
    }
    changed = requests.post(url, json={"code_ttl_seconds": 5}, timeout=10)
    assert changed.json() == {"code_ttl_seconds": 5, "access_token_ttl_seconds": 864000}
    code = _code(server)
    clock.advance(5)
    _assert_oauth_error(_exchange(server, code), 400, "invalid_grant")
    assert requests.delete(url, timeout=10).json()["code_ttl_seconds"] == 30


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"code_ttl": 5}, "Unknown setting 'code_ttl'"),
        ({"code_ttl_seconds": 0}, "positive integer"),
        ({"code_ttl_seconds": -3}, "positive integer"),
        ({"access_token_ttl_seconds": 1.5}, "positive integer"),
        ({"access_token_ttl_seconds": "60"}, "positive integer"),
        ({"access_token_ttl_seconds": True}, "positive integer"),
        ([1, 2], "JSON object"),
    ],
)
def test_the_control_api_rejects_bad_settings(server: SandboxServer, body: Any, message: str):
    url = f"{server.base_url}/_sandbox/oauth"

    response = requests.post(url, json=body, timeout=10)

    assert response.status_code == 400
    assert message in response.json()["message"]
    assert requests.get(url, timeout=10).json()["code_ttl_seconds"] == 30


def test_the_control_api_rejects_invalid_json(server: SandboxServer):
    response = requests.post(f"{server.base_url}/_sandbox/oauth", data="{nope", timeout=10)

    assert response.status_code == 400


def test_the_keys_name_the_identity_url_and_the_oauth_client(server: SandboxServer):
    described = requests.get(f"{server.base_url}/_sandbox/keys", timeout=10).json()

    assert described["pagerduty_identity_url"] == f"{server.base_url}/pagerduty/identity"
    assert described["keys"]["pagerduty_client_id"] == server.keys.pagerduty_client_id
    assert described["keys"]["pagerduty_client_secret"] == server.keys.pagerduty_client_secret


def test_registered_redirect_uris_restrict_where_codes_may_go():
    sandbox = SandboxServer(
        seed=SEED, incidents=1, users=4, pagerduty_incidents=1, pagerduty_redirect_uris=(REDIRECT,)
    ).start()
    try:
        assert _consent(sandbox).status_code == 200
        assert _consent(sandbox, redirect_uri="http://localhost:8000/elsewhere").status_code == 400
    finally:
        sandbox.stop()


# --- revocation (RFC 7009; undocumented upstream) ----------------------------------------------


def _revoke(server: SandboxServer, token: str, **overrides: str) -> requests.Response:
    form = {
        "client_id": server.keys.pagerduty_client_id,
        "client_secret": server.keys.pagerduty_client_secret,
        "token": token,
        **overrides,
    }
    return requests.post(f"{_identity(server)}/oauth/revoke", data=form, timeout=10)


@pytest.mark.parametrize("which", ["access_token", "refresh_token"])
def test_revoking_either_token_ends_the_whole_grant(server: SandboxServer, which: str):
    first = _tokens(server)
    rotated = _refresh(server, first["refresh_token"]).json()
    other = _tokens(server)  # another consent of the same account: left alone

    answer = _revoke(server, rotated[which])

    assert (answer.status_code, answer.content) == (200, b"")
    for token in (first["access_token"], rotated["access_token"]):
        assert _rest(server, token, "/incidents").status_code == 401
    _assert_oauth_error(_refresh(server, rotated["refresh_token"]), 400, "invalid_grant")
    assert _rest(server, other["access_token"], "/incidents").status_code == 200
    assert _refresh(server, other["refresh_token"]).status_code == 200


def test_revoking_an_unknown_or_revoked_token_still_answers_200(server: SandboxServer):
    token = _tokens(server)["access_token"]
    assert _revoke(server, token).status_code == 200
    assert _revoke(server, token).status_code == 200
    assert _revoke(server, "pdus+_0XBPWQQ_never-issued").status_code == 200


def test_revoking_needs_the_client_s_credentials_and_a_token(server: SandboxServer):
    token = _tokens(server)["access_token"]
    _assert_oauth_error(_revoke(server, token, client_secret="wrong"), 401, "invalid_client")
    _assert_oauth_error(_revoke(server, ""), 400, "invalid_request")
    # Nothing was revoked by the refused requests.
    assert _rest(server, token, "/incidents").status_code == 200


def test_the_openid_configuration_names_the_revocation_endpoint(server: SandboxServer):
    url = f"{_identity(server)}/global/oauth/anonymous/.well-known/openid-configuration"
    document = requests.get(url, timeout=10).json()
    assert document["revocation_endpoint"] == f"{_identity(server)}/oauth/revoke"
