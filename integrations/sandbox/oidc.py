"""A generic OpenID Connect provider for the sandbox, at /oidc: what a company's identity provider
(Okta, Entra ID, Keycloak...) answers to EvidenceHub's "Sign in with single sign-on".

Discovery, the authorization-code flow with a consent page that lets the tester pick one of the
demo people (no password), client-secret authentication (form or HTTP Basic), PKCE S256 when the
client sends a challenge, an RS256 ID token carrying `email`, `email_verified` and `groups`, the
userinfo endpoint and the JWKS. Like everything under `integrations/sandbox` it imports neither
Django nor product code; the consent page has no CSRF token on purpose (a loopback tool).
Who it knows, and the settings that point the app at it: `oidc_people`.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from integrations.sandbox.oauth_http import (
    DENIED_DESCRIPTION,
    NO_STORE,
    PKCE_VALUE,
    OAuthError,
    consent_page,
    error_page,
    error_redirect,
    form_items,
    invalid_grant,
    oauth_error,
    pkce_matches,
    redirect,
    required,
    secret_matches,
    serve,
    token_params,
    valid_redirect_uri,
)
from integrations.sandbox.oidc_people import DEMO_PEOPLE, Person
from integrations.sandbox.signing import SigningKey, at_hash
from integrations.sandbox.wsgi import Request, Response, Router, StartResponse

SITE: Final = "OpenID provider sandbox"
CODE_TTL_SECONDS: Final = 60
ACCESS_TOKEN_TTL_SECONDS: Final = 3_600
ID_TOKEN_TTL_SECONDS: Final = 3_600
SCOPES: Final = ("openid", "email", "profile", "groups")


@dataclass
class _Code:
    client_id: str
    person: Person
    redirect_uri: str
    challenge: str | None
    nonce: str | None
    issued_at: float
    used: bool = False


class OpenIDSandbox:
    """WSGI app: one OpenID provider with one registered client and the given people."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        people: Sequence[Person] = DEMO_PEOPLE,
        clock: Callable[[], float] = time.time,
        signing_key: SigningKey | None = None,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.people = {person.key: person for person in people}
        self.signing_key = signing_key or SigningKey()
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._tokens: dict[str, tuple[Person, float]] = {}
        self.router = Router()
        self.router.add("GET", "/.well-known/openid-configuration", self._discovery)
        self.router.add(("GET", "POST"), "/authorize", self._authorize)
        self.router.add("POST", "/token", self._token)
        self.router.add(("GET", "POST"), "/userinfo", self._userinfo)
        self.router.add("GET", "/jwks", self._jwks)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return serve(self.router, environ, start_response)

    def _discovery(self, request: Request) -> Response:
        root = request.root_url
        return Response.json(
            200,
            {
                "issuer": root,
                "authorization_endpoint": f"{root}/authorize",
                "token_endpoint": f"{root}/token",
                "userinfo_endpoint": f"{root}/userinfo",
                "jwks_uri": f"{root}/jwks",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                ],
                "scopes_supported": list(SCOPES),
                "claims_supported": ["sub", "name", "email", "email_verified", "groups"],
            },
        )

    def _jwks(self, request: Request) -> Response:
        return Response.json(200, self.signing_key.jwks())

    def _authorize(self, request: Request) -> Response:
        items = request.query_items if request.method == "GET" else form_items(request.body)
        params = dict(items)
        redirect_uri = params.get("redirect_uri", "")
        # Never redirect to an unknown client or an unusable URI (RFC 6749 §4.1.2.1).
        if params.get("client_id") != self.client_id:
            return error_page(
                "Unknown client_id: no app with this client ID is registered.", site=SITE
            )
        if not valid_redirect_uri(redirect_uri, None):
            return error_page(
                "Send an absolute http(s) redirect_uri without a fragment.", site=SITE
            )
        state = params.get("state")
        challenge = params.get("code_challenge") or None
        try:
            if len(params) != len(items):
                raise ValueError("Each parameter may be sent only once.")
            if params.get("response_type") != "code":
                raise ValueError("response_type must be code.")
            if "openid" not in params.get("scope", "").split():
                raise ValueError("scope must include openid.")
            if challenge is not None and (
                params.get("code_challenge_method") != "S256" or not PKCE_VALUE.fullmatch(challenge)
            ):
                raise ValueError("code_challenge must be a base64url SHA-256 digest (S256).")
        except ValueError as error:
            return error_redirect(redirect_uri, "invalid_request", str(error), state)
        if request.method == "GET":
            return consent_page(
                site=SITE,
                heading="Sign in to EvidenceHub",
                legend="Sign in as",
                action=f"{request.script_name}/authorize",
                params=items,
                accounts=[(p.key, p.label()) for p in self.people.values()],
            )
        if params.get("decision") != "approve":
            return error_redirect(redirect_uri, "access_denied", DENIED_DESCRIPTION, state)
        person = self.people.get(params.get("account", ""))
        if person is None:
            return error_page("Choose one of the people listed.", site=SITE)
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(
                self.client_id, person, redirect_uri, challenge, params.get("nonce"), self._clock()
            )
        answer = [("code", code)] + ([("state", state)] if state is not None else [])
        return redirect(redirect_uri, answer)

    def _token(self, request: Request) -> Response:
        try:
            params, challenge_headers = token_params(request, realm=SITE)
            if required(params, "grant_type") != "authorization_code":
                raise OAuthError(400, "unsupported_grant_type", "Only authorization_code.")
            if params.get("client_id") != self.client_id or not secret_matches(
                params.get("client_secret"), self.client_secret
            ):
                raise OAuthError(
                    401, "invalid_client", "Client authentication failed.", challenge_headers
                )
            payload = self._exchange(request, params)
        except OAuthError as error:
            return oauth_error(error)
        return Response.json(200, payload, list(NO_STORE))

    def _exchange(self, request: Request, params: dict[str, str]) -> dict[str, Any]:
        value, redirect_uri = required(params, "code"), required(params, "redirect_uri")
        verifier = params.get("code_verifier")
        now = self._clock()
        with self._lock:
            code = self._codes.get(value)
            if code is None or code.used or now >= code.issued_at + CODE_TTL_SECONDS:
                raise invalid_grant("The authorization code is invalid, used or expired.")
            if redirect_uri != code.redirect_uri:
                raise invalid_grant("redirect_uri does not match the authorization request.")
            if (code.challenge is None) != (verifier is None) or (
                code.challenge is not None and not pkce_matches(verifier or "", code.challenge)
            ):
                raise invalid_grant("PKCE verification failed.")
            code.used = True
            access = secrets.token_urlsafe(32)
            self._tokens[access] = (code.person, now + ACCESS_TOKEN_TTL_SECONDS)
        claims = {
            **code.person.claims(),
            "iss": request.root_url,
            "aud": self.client_id,
            "azp": self.client_id,
            "iat": int(now),
            "exp": int(now) + ID_TOKEN_TTL_SECONDS,
            "auth_time": int(code.issued_at),
            "jti": str(uuid.uuid4()),
            "at_hash": at_hash(access),
        }
        if code.nonce:
            claims["nonce"] = code.nonce
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_TTL_SECONDS,
            "scope": " ".join(SCOPES),
            "id_token": self.signing_key.sign(claims),
        }

    def _userinfo(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        with self._lock:
            held = self._tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if held is None or self._clock() >= held[1]:
            challenge = [("WWW-Authenticate", 'Bearer error="invalid_token"')]
            return Response.json(401, {"error": "invalid_token"}, [*NO_STORE, *challenge])
        return Response.json(200, held[0].claims(), list(NO_STORE))
