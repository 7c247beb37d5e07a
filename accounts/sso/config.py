"""Whether single sign-on is on, and the identity provider's endpoints.

The endpoints come from the discovery document of OIDC_ISSUER (settings, never a URL from a
request), each replaceable by its own setting; the document is fetched on the first sign-in, not
at start-up, so an IdP that is down delays SSO, never the app, and kept once it answered."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings

logger = logging.getLogger(__name__)
DISCOVERY_PATH = "/.well-known/openid-configuration"


class SSOUnavailable(Exception):
    """The identity provider's endpoints are not known; the message says why, for the user."""


@dataclass(frozen=True)
class Endpoints:
    authorization: str
    token: str
    jwks: str
    userinfo: str  # "" when the provider has none: the ID token's claims are used alone


_documents: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def sso_enabled() -> bool:
    return bool(
        settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID and settings.OIDC_RP_CLIENT_SECRET
    )


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME or "single sign-on"


def provider_endpoints() -> Endpoints:
    explicit = {
        "authorization_endpoint": settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        "token_endpoint": settings.OIDC_OP_TOKEN_ENDPOINT,
        "jwks_uri": settings.OIDC_OP_JWKS_ENDPOINT,
        "userinfo_endpoint": settings.OIDC_OP_USER_ENDPOINT,
    }
    needed = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    document = {} if all(explicit[name] for name in needed) else _discovery(settings.OIDC_ISSUER)
    merged = {name: value or str(document.get(name) or "") for name, value in explicit.items()}
    return Endpoints(
        authorization=merged["authorization_endpoint"],
        token=merged["token_endpoint"],
        jwks=merged["jwks_uri"],
        userinfo=merged["userinfo_endpoint"],
    )


def forget_discovery() -> None:
    """Fetch the document again at the next sign-in (tests; a changed issuer)."""
    with _lock:
        _documents.clear()


def _discovery(issuer: str) -> dict[str, Any]:
    with _lock:
        if issuer in _documents:
            return _documents[issuer]
    unreachable = SSOUnavailable(
        f"Sign-in with {provider_name()} is not available right now: the identity provider "
        "did not answer as expected. Try again later, or ask your administrator."
    )
    try:
        # No redirects: the document must come from the issuer itself (OIDC Discovery §4).
        response = requests.get(
            issuer + DISCOVERY_PATH, timeout=settings.OIDC_TIMEOUT, allow_redirects=False
        )
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        logger.warning("OIDC discovery at %s failed: %s", issuer, type(error).__name__)
        raise unreachable from error
    if not isinstance(document, dict) or str(document.get("issuer", "")).rstrip("/") != issuer:
        # OIDC Discovery §4.3: a document naming another issuer must not be used.
        logger.warning("OIDC discovery at %s names another issuer", issuer)
        raise unreachable
    needed = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    if not all(isinstance(document.get(name), str) and document[name] for name in needed):
        logger.warning("OIDC discovery at %s lacks an endpoint", issuer)
        raise unreachable
    with _lock:
        _documents[issuer] = document
    return document
