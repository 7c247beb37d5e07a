"""The sandbox's OpenID provider at /oidc, called straight through WSGI: discovery, consent,
code, token (secret, PKCE), ID token, userinfo, JWKS."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest

from integrations.sandbox.oidc import OpenIDSandbox
from integrations.sandbox.oidc_people import DEMO_PEOPLE
from integrations.sandbox.wsgi import PrefixDispatcher

HOST = "idp.test:8810"
ISSUER = f"http://{HOST}/oidc"
REDIRECT = "http://127.0.0.1:8000/login/sso/callback/"
CLIENT_ID, SECRET = "evidencehub", "s3cret-" + "x" * 20


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def redirect_params(self) -> dict[str, str]:
        location = urlsplit(self.headers["Location"])
        return {k: v[0] for k, v in parse_qs(location.query).items()}


class Clock:
    def __init__(self) -> None:
        # Now, so the ID token's iat and exp check out when decoded.
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def idp(clock: Clock) -> PrefixDispatcher:
    provider = OpenIDSandbox(client_id=CLIENT_ID, client_secret=SECRET, clock=clock)
    return PrefixDispatcher({"/oidc": provider})


def call(app: PrefixDispatcher, method: str, path: str, data: Any = None, **headers: str) -> Answer:
    path, _, query = path.partition("?")
    body = urlencode(data).encode() if data is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_HOST": HOST,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        **{"HTTP_" + k.upper(): v for k, v in headers.items()},
    }
    seen: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        seen["status"], seen["headers"] = int(status.split()[0]), dict(response_headers)

    chunks = app(environ, start_response)
    return Answer(seen["status"], seen["headers"], b"".join(chunks))


def authorize(**overrides: str) -> dict[str, str]:
    return {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "openid email profile groups",
        "state": "st-1",
        "nonce": "n-1",
        **overrides,
    }


def approve(app: PrefixDispatcher, person: str = "ada", **overrides: str) -> dict[str, str]:
    answer = call(
        app,
        "POST",
        "/oidc/authorize",
        {**authorize(**overrides), "account": person, "decision": "approve"},
    )
    assert answer.status == 302
    return answer.redirect_params()


def exchange(app: PrefixDispatcher, code: str, **overrides: str) -> Answer:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        **overrides,
    }
    return call(app, "POST", "/oidc/token", form)


def verified_claims(app: PrefixDispatcher, id_token: str) -> dict[str, Any]:
    jwks = call(app, "GET", "/oidc/jwks").json()
    key = jwt.PyJWK(jwks["keys"][0])
    return jwt.decode(id_token, key, algorithms=["RS256"], audience=CLIENT_ID, issuer=ISSUER)


def test_discovery_names_every_endpoint_under_the_issuer(idp: PrefixDispatcher) -> None:
    document = call(idp, "GET", "/oidc/.well-known/openid-configuration").json()

    assert document["issuer"] == ISSUER
    assert document["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert document["token_endpoint"] == f"{ISSUER}/token"
    assert document["userinfo_endpoint"] == f"{ISSUER}/userinfo"
    assert document["jwks_uri"] == f"{ISSUER}/jwks"
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]


def test_the_consent_page_lists_each_demo_person_with_their_groups(idp: PrefixDispatcher) -> None:
    page = call(idp, "GET", "/oidc/authorize?" + urlencode(authorize())).body.decode()

    for person in DEMO_PEOPLE:
        assert person.email in page
        assert ", ".join(person.groups) in page
    assert 'name="state" value="st-1"' in page


def test_an_unknown_client_gets_an_error_page_not_a_redirect(idp: PrefixDispatcher) -> None:
    answer = call(idp, "GET", "/oidc/authorize?" + urlencode(authorize(client_id="other")))

    assert answer.status == 400
    assert b"Unknown client_id" in answer.body


def test_denying_sends_access_denied_back_with_the_state(idp: PrefixDispatcher) -> None:
    form = {**authorize(), "account": "ada", "decision": "deny"}
    answer = call(idp, "POST", "/oidc/authorize", form)

    assert answer.headers["Location"].startswith(REDIRECT)
    assert answer.redirect_params()["error"] == "access_denied"
    assert answer.redirect_params()["state"] == "st-1"


def test_a_request_without_the_openid_scope_is_refused(idp: PrefixDispatcher) -> None:
    answer = call(idp, "GET", "/oidc/authorize?" + urlencode(authorize(scope="email")))

    assert answer.redirect_params()["error"] == "invalid_request"


def test_the_code_gives_an_id_token_signed_for_the_client_with_email_and_groups(
    idp: PrefixDispatcher,
) -> None:
    answer = exchange(idp, approve(idp, "ada")["code"])

    assert answer.status == 200
    claims = verified_claims(idp, answer.json()["id_token"])
    assert claims["email"] == "admin@evidencehub.test"
    assert claims["email_verified"] is True
    assert claims["groups"] == ["evidencehub-admins", "evidencehub-staff"]
    assert claims["nonce"] == "n-1"


def test_userinfo_answers_the_person_of_the_access_token(idp: PrefixDispatcher) -> None:
    token = exchange(idp, approve(idp, "otto")["code"]).json()["access_token"]

    info = call(idp, "GET", "/oidc/userinfo", authorization=f"Bearer {token}")

    assert info.json()["email"] == "outsider@evidencehub.test"
    assert info.json()["groups"] == ["contractors"]
    assert call(idp, "GET", "/oidc/userinfo", authorization="Bearer nope").status == 401


def test_a_code_works_once(idp: PrefixDispatcher) -> None:
    code = approve(idp)["code"]

    assert exchange(idp, code).status == 200
    assert exchange(idp, code).json()["error"] == "invalid_grant"


def test_a_code_expires(idp: PrefixDispatcher, clock: Clock) -> None:
    code = approve(idp)["code"]
    clock.now += 61

    assert exchange(idp, code).json()["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_invalid_client(idp: PrefixDispatcher) -> None:
    answer = exchange(idp, approve(idp)["code"], client_secret="wrong")

    assert answer.status == 401
    assert answer.json()["error"] == "invalid_client"


def test_http_basic_client_authentication_is_accepted(idp: PrefixDispatcher) -> None:
    code = approve(idp)["code"]
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}

    answer = call(idp, "POST", "/oidc/token", form, authorization=f"Basic {basic}")

    assert answer.status == 200


def test_pkce_needs_the_verifier_of_the_challenge(idp: PrefixDispatcher) -> None:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    extra = {"code_challenge": challenge, "code_challenge_method": "S256"}

    wrong = exchange(idp, approve(idp, **extra)["code"], code_verifier="x" * 50)
    missing = exchange(idp, approve(idp, **extra)["code"])
    right = exchange(idp, approve(idp, **extra)["code"], code_verifier=verifier)

    assert wrong.json()["error"] == "invalid_grant"
    assert missing.json()["error"] == "invalid_grant"
    assert right.status == 200


def test_a_redirect_uri_other_than_the_authorized_one_is_refused(idp: PrefixDispatcher) -> None:
    answer = exchange(idp, approve(idp)["code"], redirect_uri="http://evil.test/cb")

    assert answer.json()["error"] == "invalid_grant"
