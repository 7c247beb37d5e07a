"""Connect with PagerDuty: OAuth 2.0 authorization code with PKCE (reference §2).

The identity host, client id and secret and the app type (classic `read` or scoped read scopes)
come from settings only. Tokens are kept in the connection's encrypted credentials and refreshed,
with rotation, shortly before the access token expires.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
from auditlog.context import disable_auditlog
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from integrations.http import ErrorKind, SharedDeadline, UpstreamError, UpstreamSession
from integrations.models import Connection
from integrations.providers.base import Revocation
from integrations.redaction import form_secrets, redact

SCOPES = {"classic": "read", "scoped": "incidents.read services.read users.read"}
# Unconfirmed: the reference (§2.7) documents no token revocation endpoint, only "Revoke All
# Tokens" in the App Registration UI and DELETE /oauth_delegations. This is RFC 7009's usual
# path on the identity host (a form POST of client_id, client_secret and token), named here so
# it can be corrected in one place.
REVOKE_PATH = "/oauth/revoke"
# Said to the admin when PagerDuty did not confirm the revocation.
REMOVE_AUTHORIZATION = (
    "Remove the app's authorization in PagerDuty yourself: the app's owner can use Revoke All "
    "Tokens under Integrations › App Registration."
)
# Refresh this long before the access token expires, so no sync starts with a dying token.
REFRESH_MARGIN = timedelta(hours=1)
# One worker renews at a time: it holds this lease (longer than the POST's timeout) meanwhile.
REFRESH_LEASE = timedelta(seconds=60)
REFRESH_POLL_SECONDS = 0.5
# When a token answer omits expires_in: the shortest documented lifetime (scoped apps, §2.7).
DEFAULT_LIFETIME_SECONDS = 86_400
# The ID token's `region` claim; "UnitedStates" is documented, the EU spelling is not (§2.6).
REGION_CLAIMS = {"unitedstates": "us", "us": "us", "europe": "eu", "eu": "eu"}


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_at: datetime
    scope: str
    claims: dict[str, Any]

    def credentials(self) -> dict[str, Any]:
        """What the connection stores (encrypted)."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat(),
            "scope": self.scope,
        }


class OAuthError(Exception):
    """The identity server refused a request; ``error`` is the RFC 6749 code."""

    def __init__(self, error: str, description: str = "") -> None:
        self.error, self.description = error, description
        super().__init__(f"{error}: {description}" if description else error)


def is_configured() -> bool:
    return bool(settings.PAGERDUTY_OAUTH_CLIENT_ID and settings.PAGERDUTY_OAUTH_CLIENT_SECRET)


def requested_scope() -> str:
    return SCOPES[settings.PAGERDUTY_OAUTH_APP_TYPE]


def new_pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge): 86 unreserved characters, RFC 7636."""
    verifier = secrets.token_urlsafe(64)
    return verifier, pkce_challenge(verifier)


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def identity_origin() -> str:
    """Scheme, host and port of PagerDuty's OAuth server (the sandbox's in development)."""
    parts = urlsplit(settings.PAGERDUTY_IDENTITY_URL)
    return f"{parts.scheme}://{parts.netloc}"


def authorize_url(*, state: str, code_challenge: str, redirect_uri: str) -> str:
    query = urlencode(
        {
            "client_id": settings.PAGERDUTY_OAUTH_CLIENT_ID,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": requested_scope(),
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
            "state": state,
        }
    )
    return f"{settings.PAGERDUTY_IDENTITY_URL}/oauth/authorize?{query}"


def exchange_code(*, code: str, code_verifier: str, redirect_uri: str) -> TokenSet:
    return _token_request(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
    )


def refresh(refresh_token: str) -> TokenSet:
    return _token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})


def _token_request(params: dict[str, str]) -> TokenSet:
    session = UpstreamSession(
        headers={}, max_attempts=1, deadline=settings.UPSTREAM_INTERACTIVE_DEADLINE_SECONDS
    )
    form = {
        **params,
        "client_id": settings.PAGERDUTY_OAUTH_CLIENT_ID,
        "client_secret": settings.PAGERDUTY_OAUTH_CLIENT_SECRET,
    }
    try:
        answer = session.post_form(f"{settings.PAGERDUTY_IDENTITY_URL}/oauth/token", form)
    finally:
        session.close()
    body = answer.data if isinstance(answer.data, dict) else {}
    if answer.status >= 400:
        # Shown to the admin: an answer that repeats the code, a token or our secret is cleaned.
        raise OAuthError(
            redact(_printable(body.get("error")), form_secrets(form)) or f"HTTP {answer.status}",
            redact(_printable(body.get("error_description")), form_secrets(form)),
        )
    access, refresh_token = body.get("access_token"), body.get("refresh_token")
    if not isinstance(access, str) or not access or not isinstance(refresh_token, str):
        raise UpstreamError(ErrorKind.MALFORMED, message="a token answer without its tokens")
    try:
        lifetime = max(int(body["expires_in"]), 0)
    except (KeyError, TypeError, ValueError):
        lifetime = DEFAULT_LIFETIME_SECONDS
    id_token = body.get("id_token")
    return TokenSet(
        access_token=access,
        refresh_token=refresh_token,
        expires_at=timezone.now() + timedelta(seconds=lifetime),
        scope=_printable(body.get("scope")),
        claims=id_token_claims(id_token) if isinstance(id_token, str) else {},
    )


def revoke_tokens(connection: Connection) -> Revocation:
    """Ask PagerDuty to revoke an OAuth connection's tokens before a disconnect erases them:
    the refresh token first (RFC 7009: revoking it ends the grant), then the access token.

    Never raises: a disconnect goes on whatever happens here, and what went wrong is said to
    the admin with what to do instead. API-key connections have nothing to revoke (the key is
    the admin's own, managed in PagerDuty)."""
    if connection.auth_method != "oauth":
        return Revocation()
    try:
        credentials = connection.get_credentials()
    except ValueError:
        credentials = {}
    tokens = [
        (str(credentials.get(hint) or ""), hint) for hint in ("refresh_token", "access_token")
    ]
    tokens = [(token, hint) for token, hint in tokens if token]
    if not tokens:
        return Revocation()
    if not is_configured():
        return Revocation(
            problem="PagerDuty's authorization could not be revoked: this installation no "
            "longer has the app's client ID and secret. " + REMOVE_AUTHORIZATION
        )
    budget = SharedDeadline(settings.UPSTREAM_INTERACTIVE_DEADLINE_SECONDS)
    problems: list[str] = []
    for token, hint in tokens:
        form = {
            "client_id": settings.PAGERDUTY_OAUTH_CLIENT_ID,
            "client_secret": settings.PAGERDUTY_OAUTH_CLIENT_SECRET,
            "token": token,
            "token_type_hint": hint,
        }
        session = UpstreamSession(headers={}, max_attempts=1, deadline=budget.remaining())
        try:
            answer = session.post_form(
                f"{settings.PAGERDUTY_IDENTITY_URL}{REVOKE_PATH}", form, json_answer=False
            )
        except UpstreamError as error:
            problems.append(error.describe())
            continue
        finally:
            session.close()
        if not 200 <= answer.status < 300:
            body = answer.data if isinstance(answer.data, dict) else {}
            said = _printable(body.get("error_description")) or _printable(body.get("error"))
            problems.append(
                redact(
                    f"HTTP {answer.status}: {said}" if said else f"HTTP {answer.status}",
                    form_secrets(form),
                )
            )
    if problems:
        return Revocation(
            problem="PagerDuty did not confirm that it revoked this connection's authorization "
            f"({'; '.join(dict.fromkeys(problems))}). The tokens were erased here all the same. "
            + REMOVE_AUTHORIZATION
        )
    return Revocation(revoked=True)


def id_token_claims(id_token: str) -> dict[str, Any]:
    """The ID token's claims, read without checking its signature.

    It came straight from the token endpoint over TLS, in answer to our own authenticated
    request, which OpenID Connect Core §3.1.3.7 accepts in place of a signature check; the
    audience is still checked to be our client."""
    try:
        return jwt.decode(
            id_token,
            options={"verify_signature": False, "verify_aud": True},
            audience=settings.PAGERDUTY_OAUTH_CLIENT_ID,
        )
    except (jwt.InvalidAudienceError, jwt.MissingRequiredClaimError) as exc:
        raise UpstreamError(
            ErrorKind.MALFORMED, message="an ID token issued to another client"
        ) from exc
    except jwt.InvalidTokenError as exc:
        raise UpstreamError(ErrorKind.MALFORMED, message="an ID token that cannot be read") from exc


def account_of(claims: dict[str, Any]) -> tuple[str | None, str]:
    """(region or None when the token does not say, subdomain) from the ID token (§2.6)."""
    audience = claims.get("aud")
    audiences = [a for a in (audience if isinstance(audience, list) else [audience]) if a]
    region = next(
        (
            slug
            for slug, base in settings.PAGERDUTY_BASE_URLS.items()
            if any(str(a).rstrip("/") == base for a in audiences)
        ),
        None,
    )
    if region is None:
        region = REGION_CLAIMS.get(str(claims.get("region") or "").lower())
    subdomain = _printable(claims.get("subdomain"))[:100]
    return region, subdomain


def access_token_for(connection: Connection, *, sleep: Callable[[float], None] = time.sleep) -> str:
    """A usable access token for an OAuth connection, refreshed first when it is about to expire.

    The refresh rotates the refresh token, so two workers must never both spend the same one.
    The one that claims a short lease on the connection renews (no transaction is held across
    the POST); another waits for the new token. A refused refresh is a 401: connect again."""
    credentials = connection.get_credentials()
    if not _expiring(credentials):
        return str(credentials["access_token"])
    deadline = time.monotonic() + REFRESH_LEASE.total_seconds()
    while True:
        current = Connection.objects.get(pk=connection.pk)
        credentials = current.get_credentials()
        if not _expiring(credentials):  # renewed meanwhile, here or by another worker
            connection.credentials = current.credentials
            return str(credentials["access_token"])
        if _claim_refresh(connection):
            try:
                return _renew(connection)
            finally:
                Connection.objects.filter(pk=connection.pk).update(token_refresh_until=None)
        if time.monotonic() > deadline:
            raise UpstreamError(
                ErrorKind.UNAVAILABLE,
                message="another worker is renewing the PagerDuty authorization; try again",
            )
        sleep(REFRESH_POLL_SECONDS)


def _claim_refresh(connection: Connection) -> bool:
    now = timezone.now()
    free = Q(token_refresh_until__isnull=True) | Q(token_refresh_until__lt=now)
    claimed = Connection.objects.filter(free, pk=connection.pk).update(
        token_refresh_until=now + REFRESH_LEASE
    )
    return claimed == 1


def _renew(connection: Connection) -> str:
    current = Connection.objects.get(pk=connection.pk)
    credentials = current.get_credentials()
    if _expiring(credentials):  # re-read under the lease: another worker may just have renewed
        try:
            tokens = refresh(str(credentials.get("refresh_token") or ""))
        except OAuthError as error:
            raise UpstreamError(
                ErrorKind.UNAUTHORIZED,
                status=401,
                message=f"PagerDuty refused to renew the authorization ({error.error}); "
                "connect with PagerDuty again",
            ) from error
        credentials = tokens.credentials()
        current.set_credentials(credentials, hint=current.credential_hint)
        # Routine renewal by the worker, not a configuration change: the audit log records
        # re-authorisations by a person, and would otherwise fill with one of these a day.
        with disable_auditlog():
            current.save(update_fields=["credentials", "credential_hint", "updated_at"])
    connection.credentials = current.credentials
    return str(credentials["access_token"])


def _expiring(credentials: dict[str, Any]) -> bool:
    try:
        expires_at = datetime.fromisoformat(str(credentials.get("expires_at")))
    except ValueError:
        return True
    return expires_at - timezone.now() <= REFRESH_MARGIN


def _printable(value: Any) -> str:
    text = value if isinstance(value, str) else ""
    return "".join(ch for ch in text if ch.isprintable())[:300]
