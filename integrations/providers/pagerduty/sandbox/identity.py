"""PagerDuty OAuth 2.0 identity server emulator (stands in for https://identity.pagerduty.com).

A plain WSGI app: the authorization-code grant with PKCE S256, refresh with rotation, token
revocation, an RS256 ID token and its JWKS (reference/pagerduty-api.md §2). Access tokens it
mints are registered with the REST emulator of the region whose account approved, so they work
there and nowhere else. Where upstream behaviour is unconfirmed, the choice is a named constant
or marked `Guess:`.

Guesses in the shared helpers (integrations/sandbox): the ID token's header has no `x5t`, which
PagerDuty's has (reference §2.6); the token endpoint also accepts HTTP Basic client
authentication though PagerDuty documents only `client_secret`, and answers errors as RFC 6749
§5.2 JSON (its own error body is undocumented, §2.5).

The consent page has no CSRF token on purpose: the sandbox is a loopback tool holding only
synthetic data, and a tester (or a browser test) drives it by hand.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from integrations.providers.pagerduty.sandbox.app import Credential
from integrations.providers.pagerduty.sandbox.identity_http import (
    CLASSIC_SCOPES,
    SCOPED_SCOPES,
    SITE,
    consent_page,
    error_page,
    parse_scope,
)
from integrations.sandbox.oauth_http import (
    DENIED_DESCRIPTION,
    NO_STORE,
    PKCE_VALUE,
    OAuthError,
    error_redirect,
    form_items,
    invalid_grant,
    oauth_error,
    pkce_matches,
    redirect,
    required,
    serve,
    token_params,
    valid_redirect_uri,
)
from integrations.sandbox.signing import SigningKey, at_hash
from integrations.sandbox.wsgi import Request, Response, Router, StartResponse

DEFAULT_CODE_TTL_SECONDS: Final = 30  # reference §2.4
# The docs' example response (reference §2.5/§2.7: the text says 30 days, the example 10 days;
# Scoped access tokens live 1 day). One setting for both kinds keeps the control API simple.
DEFAULT_ACCESS_TOKEN_TTL_SECONDS: Final = 864_000
REFRESH_TOKEN_TTL_SECONDS: Final = {"classic": 210 * 86_400, "scoped": 30 * 86_400}  # §2.7
# Guess: the ID token's lifetime is undocumented.
ID_TOKEN_TTL_SECONDS: Final = 3_600
# Guess: unconfirmed for EU; "UnitedStates" is the documented US value (reference §2.6).
REGION_CLAIMS: Final = {"us": "UnitedStates", "eu": "Europe"}
CLIENT_INFO: Final = "prefix_legacy_app"
# Token shapes (reference §1.2); prefixes, not secrets.
ACCESS_TOKEN_PREFIX: Final = "pdus+_0XBPWQQ_"  # noqa: S105
REFRESH_TOKEN_PREFIX: Final = "pdus+_1XBPWQQ_"  # noqa: S105
# How long used or expired codes are remembered, so a late reuse still says why it fails.
CODE_MEMORY_SECONDS: Final = 600
SETTINGS: Final = ("code_ttl_seconds", "access_token_ttl_seconds")
# Guess: the reference documents no revocation endpoint (§2.7); RFC 7009's usual path.
REVOKE_PATH: Final = "/oauth/revoke"


@dataclass(frozen=True)
class OAuthClient:
    """A registered app. `redirect_uris=None` accepts any http(s) redirect URI.

    Guess: real PagerDuty requires the redirect URI to be registered on the app (§2.4); the
    sandbox is lenient by default so any local client works without configuration."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...] | None = None


@dataclass(frozen=True)
class OAuthAccount:
    """A sandbox account a tester can approve as, and where its tokens become valid."""

    key: str  # the consent form's `account` value: "us" / "eu"
    region: str
    label: str
    subdomain: str
    account_id: str
    user_id: str | None  # the admin the tokens act as
    api_path: str  # REST mount, e.g. "/pagerduty/us": the ID token's `aud`
    tokens: MutableMapping[str, Credential] = field(compare=False, repr=False)


@dataclass(frozen=True)
class _Grant:
    """What the resource owner approved; carried from the code to every refreshed token."""

    client_id: str
    account: OAuthAccount
    scopes: tuple[str, ...]  # granted, without `openid`
    classic: bool


@dataclass
class _Code:
    grant: _Grant
    redirect_uri: str
    challenge: str | None
    nonce: str | None
    issued_at: float
    expires_at: float
    used: bool = False


@dataclass
class _RefreshToken:
    grant: _Grant
    public: bool  # issued to a client that never sent a secret
    expires_at: float
    used: bool = False


class PagerDutyIdentitySandbox:
    """WSGI app answering like https://identity.pagerduty.com for the sandbox's accounts."""

    def __init__(
        self,
        *,
        clients: Sequence[OAuthClient],
        accounts: Sequence[OAuthAccount],
        clock: Callable[[], float] = time.time,
        signing_key: SigningKey | None = None,
    ) -> None:
        self.clients = {client.client_id: client for client in clients}
        self.accounts = {account.key: account for account in accounts}
        self.signing_key = signing_key or SigningKey()
        self._clock = clock
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self._refresh_tokens: dict[str, _RefreshToken] = {}
        # Each access token's grant, so revoking one token can end its whole grant.
        self._access_grants: dict[str, _Grant] = {}
        self._settings = self._default_settings()
        self.router = Router()
        self.router.add(("GET", "POST"), "/oauth/authorize", self._authorize)
        self.router.add("POST", "/oauth/token", self._token)
        self.router.add("POST", REVOKE_PATH, self._revoke)
        self.router.add("GET", "/global/oauth/anonymous/jwks", self._jwks)
        self.router.add(
            "GET", "/global/oauth/anonymous/.well-known/openid-configuration", self._discovery
        )

    # --- settings (the control API's /_sandbox/oauth) ----------------------------------------

    @staticmethod
    def _default_settings() -> dict[str, int]:
        return {
            "code_ttl_seconds": DEFAULT_CODE_TTL_SECONDS,
            "access_token_ttl_seconds": DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
        }

    def settings(self) -> dict[str, int]:
        with self._lock:
            return dict(self._settings)

    def configure(self, changes: Mapping[str, Any]) -> dict[str, int]:
        """Set lifetimes for codes and tokens issued from now on; raises ValueError."""
        unknown = sorted(set(changes) - set(SETTINGS))
        if unknown:
            raise ValueError(f"Unknown setting {unknown[0]!r}; known: {', '.join(SETTINGS)}")
        for name, value in changes.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer (seconds)")
        with self._lock:
            self._settings.update(changes)
            return dict(self._settings)

    def reset(self) -> dict[str, int]:
        with self._lock:
            self._settings = self._default_settings()
            return dict(self._settings)

    # --- WSGI ---------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        return serve(self.router, environ, start_response)

    # --- leg 1 and 2: the consent page and its answer -----------------------------------------

    def _authorize(self, request: Request) -> Response:
        items = request.query_items if request.method == "GET" else form_items(request.body)
        params = dict(items)
        client = self.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        # Never redirect to an unverified client or URI (RFC 6749 §4.1.2.1): say so here.
        if client is None:
            return error_page("Unknown client_id: no app with this client ID is registered.")
        if not valid_redirect_uri(redirect_uri, client.redirect_uris):
            return error_page(
                "Missing or invalid redirect_uri: send an absolute http(s) URI without a "
                "fragment" + ("." if client.redirect_uris is None else " registered on the app.")
            )
        state = params.get("state")
        try:
            if len(params) != len(items):
                raise ValueError("Each parameter may be sent only once.")
            # RFC 6749 would say unsupported_response_type; invalid_request is what we send.
            if params.get("response_type") != "code":
                raise ValueError("response_type must be code.")
            scopes, classic = parse_scope(params.get("scope", ""))
            challenge = params.get("code_challenge") or None
            if challenge is not None:
                if params.get("code_challenge_method") != "S256":
                    raise ValueError("code_challenge_method must be S256.")
                if not PKCE_VALUE.fullmatch(challenge):
                    raise ValueError("code_challenge is not a base64url SHA-256 digest.")
            elif not classic:
                raise ValueError("PKCE (code_challenge, S256) is required for Scoped OAuth.")
        except ValueError as error:
            return error_redirect(redirect_uri, "invalid_request", str(error), state)
        if request.method == "GET":
            return consent_page(
                action=f"{request.script_name}/oauth/authorize",
                params=items,
                accounts=[(a.key, a.label) for a in self.accounts.values()],
            )
        if params.get("decision") != "approve":
            return error_redirect(redirect_uri, "access_denied", DENIED_DESCRIPTION, state)
        account = self.accounts.get(params.get("account", ""))
        if account is None:
            return error_page("Choose one of the sandbox accounts.")
        code = secrets.token_urlsafe(24)  # Guess: the code's shape is undocumented
        now = self._clock()
        with self._lock:
            self._forget_old_codes(now)
            self._codes[code] = _Code(
                grant=_Grant(client.client_id, account, scopes, classic),
                redirect_uri=redirect_uri,
                challenge=challenge,
                nonce=params.get("nonce") or None,
                issued_at=now,
                expires_at=now + self._settings["code_ttl_seconds"],
            )
        answer = [("code", code)]
        if state is not None:
            answer.append(("state", state))
        # Older docs put the subdomain on the redirect, newer ones do not (§2.4): we send it.
        return redirect(redirect_uri, [*answer, ("subdomain", account.subdomain)])

    def _forget_old_codes(self, now: float) -> None:
        for code in [c for c, v in self._codes.items() if v.expires_at + CODE_MEMORY_SECONDS < now]:
            del self._codes[code]

    # --- leg 3: the token endpoint -------------------------------------------------------------

    def _token(self, request: Request) -> Response:
        try:
            params, challenge = token_params(request, realm=SITE)
            grant_type = required(params, "grant_type")
            if grant_type not in ("authorization_code", "refresh_token"):
                raise OAuthError(
                    400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported."
                )
            client = self.clients.get(required(params, "client_id"))
            secret = params.get("client_secret")
            if client is None or (
                secret is not None
                and not hmac.compare_digest(secret.encode(), client.client_secret.encode())
            ):
                raise OAuthError(401, "invalid_client", "Client authentication failed.", challenge)
            if grant_type == "authorization_code":
                payload = self._exchange_code(request, params, client, secret is None)
            else:
                payload = self._refresh(params, client, secret is None)
        except OAuthError as error:
            return oauth_error(error)
        return Response.json(200, payload, list(NO_STORE))

    def _exchange_code(
        self, request: Request, params: dict[str, str], client: OAuthClient, public: bool
    ) -> dict[str, Any]:
        code_value = required(params, "code")
        redirect_uri = required(params, "redirect_uri")
        verifier = params.get("code_verifier")
        if public and verifier is None:
            raise OAuthError(
                401, "invalid_client", "client_secret is required when no code_verifier is sent."
            )
        now = self._clock()
        with self._lock:
            code = self._codes.get(code_value)
            if code is None or code.grant.client_id != client.client_id:
                raise invalid_grant("The authorization code is invalid.")
            # Guess: RFC 6749 §4.1.2 says a reused code SHOULD revoke the tokens it gave; the
            # sandbox only refuses it. A refused exchange does not use the code up.
            if code.used:
                raise invalid_grant("The authorization code has already been used.")
            if now >= code.expires_at:
                raise invalid_grant("The authorization code has expired.")
            if redirect_uri != code.redirect_uri:
                raise invalid_grant("redirect_uri does not match the authorization request.")
            if code.challenge is None and verifier is not None:
                raise invalid_grant("PKCE verification failed: no code_challenge was sent.")
            if code.challenge is not None and verifier is None:
                raise invalid_grant("PKCE verification failed: code_verifier is missing.")
            if code.challenge is not None and not pkce_matches(verifier or "", code.challenge):
                raise invalid_grant("PKCE verification failed.")
            code.used = True
            payload = self._issue(code.grant, public=public, now=now)
        grant = code.grant
        account = grant.account
        claims = {
            "iss": f"{request.root_url}/global/oauth/anonymous",
            "aud": [request.host_url + account.api_path, client.client_id],
            "sub": account.user_id,  # Guess: `sub` is the user's ID
            "azp": client.client_id,
            "iat": int(now),
            "nbf": int(now),
            "exp": int(now) + ID_TOKEN_TTL_SECONDS,
            "auth_time": int(code.issued_at),
            "jti": str(uuid.uuid4()),
            "purpose": "id",
            "at_hash": at_hash(payload["access_token"]),
            "account_id": account.account_id,
            "user_id": account.user_id,
            "subdomain": account.subdomain,
            "region": REGION_CLAIMS.get(account.region, account.region),
        }
        if code.nonce is not None:
            claims["nonce"] = code.nonce
        id_token = self.signing_key.sign(claims)
        return {"client_info": CLIENT_INFO, "id_token": id_token, **payload}

    def _refresh(self, params: dict[str, str], client: OAuthClient, public: bool) -> dict[str, Any]:
        value = required(params, "refresh_token")
        now = self._clock()
        with self._lock:
            token = self._refresh_tokens.get(value)
            if token is None or token.grant.client_id != client.client_id:
                raise invalid_grant("The refresh token is invalid.")
            # Guess: a client that never had a secret (PKCE only) may refresh without one.
            if public and not token.public:
                raise OAuthError(401, "invalid_client", "client_secret is required.")
            # Guess: OAuth 2.1 suggests revoking the whole family on reuse; we only refuse.
            if token.used:
                raise invalid_grant("The refresh token has already been used.")
            if now >= token.expires_at:
                raise invalid_grant("The refresh token has expired.")
            # Rotation (reference §2.4). Guess: the previous access token keeps working until
            # it expires.
            token.used = True
            return self._issue(token.grant, public=token.public, now=now)

    def _issue(self, grant: _Grant, *, public: bool, now: float) -> dict[str, Any]:
        """Mint an access/refresh pair; the caller holds the lock."""
        ttl = self._settings["access_token_ttl_seconds"]
        access = f"{ACCESS_TOKEN_PREFIX}{uuid.uuid4()}"
        refresh = f"{REFRESH_TOKEN_PREFIX}{uuid.uuid4()}"
        grant.account.tokens[access] = Credential(
            user_id=grant.account.user_id,
            scopes=None if grant.classic else frozenset(grant.scopes),
            expires_at=now + ttl,
        )
        self._access_grants[access] = grant
        kind = "classic" if grant.classic else "scoped"
        self._refresh_tokens[refresh] = _RefreshToken(
            grant, public, now + REFRESH_TOKEN_TTL_SECONDS[kind]
        )
        return {
            "token_type": "bearer",
            "access_token": access,
            "refresh_token": refresh,
            "scope": " ".join(("openid", *grant.scopes)),
            "expires_in": ttl,
        }

    # --- revocation (RFC 7009) -----------------------------------------------------------------

    def _revoke(self, request: Request) -> Response:
        """Revoke a token and, with it, its whole grant: every access and refresh token the
        same consent led to stops working at once.

        Guess: undocumented upstream (§2.7). As RFC 7009 says: the client authenticates as for
        the token endpoint; an unknown, expired or already revoked token still answers 200,
        with an empty body; a token of another client is left alone."""
        try:
            params, challenge = token_params(request, realm=SITE)
            client = self.clients.get(required(params, "client_id"))
            secret = params.get("client_secret")
            if client is None or (
                secret is not None
                and not hmac.compare_digest(secret.encode(), client.client_secret.encode())
            ):
                raise OAuthError(401, "invalid_client", "Client authentication failed.", challenge)
            value = required(params, "token")
        except OAuthError as error:
            return oauth_error(error)
        with self._lock:
            refresh = self._refresh_tokens.get(value)
            grant = self._access_grants.get(value) or (refresh.grant if refresh else None)
            if grant is not None and grant.client_id == client.client_id:
                self._end_grant(grant)
        return Response(200, b"", list(NO_STORE))

    def _end_grant(self, grant: _Grant) -> None:
        """Forget every token of ``grant`` (the very object: two consents are two grants, even
        when equal); the caller holds the lock."""
        for access in [a for a, g in self._access_grants.items() if g is grant]:
            del self._access_grants[access]
            grant.account.tokens.pop(access, None)
        for refresh in [r for r, t in self._refresh_tokens.items() if t.grant is grant]:
            del self._refresh_tokens[refresh]

    # --- OpenID ---------------------------------------------------------------------------------

    def _jwks(self, request: Request) -> Response:
        return Response.json(200, self.signing_key.jwks())

    def _discovery(self, request: Request) -> Response:
        # Guess: the real document's contents are not in the reference; these are the fields
        # OpenID Connect Discovery requires, describing what this emulator does.
        root = request.root_url
        return Response.json(
            200,
            {
                "issuer": f"{root}/global/oauth/anonymous",
                "authorization_endpoint": f"{root}/oauth/authorize",
                "token_endpoint": f"{root}/oauth/token",
                "revocation_endpoint": f"{root}{REVOKE_PATH}",
                "jwks_uri": f"{root}/global/oauth/anonymous/jwks",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                    "none",
                ],
                "scopes_supported": ["openid", *CLASSIC_SCOPES, *sorted(SCOPED_SCOPES)],
            },
        )
