"""mozilla-django-oidc's backend, stricter: only on the SSO callback, RS256 with the issuer and
audience checked (the library checks neither), the claims of the ID token and userinfo together,
and the user and role from `services`."""

from __future__ import annotations

from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.sso.config import provider_endpoints, sso_enabled
from accounts.sso.services import sso_user

ALGORITHM = "RS256"
# Claims about the token rather than the person: never taken from userinfo.
PROTOCOL_CLAIMS = frozenset({"iss", "aud", "azp", "exp", "iat", "nbf", "nonce", "at_hash", "jti"})


class SSOBackend(OIDCAuthenticationBackend):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The library reads the endpoints here; Django builds a backend for every signed-in
        # request (get_user), so they are read only when a sign-in needs them.
        self.UserModel = get_user_model()

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        # Only the callback view passes a nonce; a password sign-in never reaches the IdP.
        if request is None or "nonce" not in kwargs or not sso_enabled():
            return None
        endpoints = provider_endpoints()
        self.OIDC_OP_TOKEN_ENDPOINT = endpoints.token
        self.OIDC_OP_USER_ENDPOINT = endpoints.userinfo
        self.OIDC_OP_JWKS_ENDPOINT = endpoints.jwks
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = ALGORITHM
        self.OIDC_RP_IDP_SIGN_KEY = None
        return super().authenticate(request, **kwargs)

    def _verify_jws(self, payload: str, key: Any) -> dict[str, Any]:
        try:
            if jwt.get_unverified_header(payload).get("alg") != ALGORITHM:
                raise SuspiciousOperation("The ID token is not signed with RS256.")
            return jwt.decode(
                payload,
                key,
                algorithms=[ALGORITHM],
                audience=settings.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"ID token refused: {type(error).__name__}") from error

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        claims = {k: v for k, v in payload.items() if k not in PROTOCOL_CLAIMS}
        if not self.OIDC_OP_USER_ENDPOINT:
            return claims
        info = super().get_userinfo(access_token, id_token, payload)
        # OIDC Core §5.3.2: userinfo about anyone but the ID token's subject must not be used.
        if not isinstance(info, dict) or info.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo answer is about another subject.")
        return {**claims, **{k: v for k, v in info.items() if k not in PROTOCOL_CLAIMS}}

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        return sso_user(claims=self.get_userinfo(access_token, id_token, payload))

    def get_user(self, user_id: Any) -> Any:
        # The library's get_user skips the is_active check: a deactivated user's SSO session
        # must end at their next request, like any other.
        return ModelBackend.get_user(self, user_id)


# What a provider answering nonsense (or a forged callback) raises in the library; the callback
# view turns each into a message on the login page.
PROVIDER_ERRORS = (
    SuspiciousOperation,
    requests.RequestException,
    jwt.PyJWTError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
)
