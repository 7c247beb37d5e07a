"""RS256 signing for the sandbox's identity servers (a provider's OAuth server, the OpenID
provider at /oidc): ID tokens and their JWKS.

PyJWT encodes and signs, so the sandbox issues real JWTs that a client can verify exactly as it
would verify the real identity server's.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from jwt.utils import base64url_encode

RSA_KEY_BITS: Final = 2048
RSA_PUBLIC_EXPONENT: Final = 65537


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2), as JWTs and PKCE challenges use it."""
    return base64url_encode(data).decode("ascii")


class SigningKey:
    """One RSA key pair, made on first use: most sandboxes never sign a token, and generating
    a 2048-bit key costs tens of milliseconds on every server a test suite starts."""

    def __init__(self, private_key: rsa.RSAPrivateKey | None = None) -> None:
        self._private_key = private_key
        self._lock = threading.Lock()

    @property
    def private_key(self) -> rsa.RSAPrivateKey:
        with self._lock:
            if self._private_key is None:
                self._private_key = rsa.generate_private_key(
                    public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_BITS
                )
            return self._private_key

    def public_jwk(self) -> dict[str, str]:
        full = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        # Only the key itself: `use` below says what PyJWT's `key_ops` would, and RFC 7517 §4.3
        # advises against sending both.
        jwk = {name: full[name] for name in ("kty", "n", "e")}
        return {**jwk, "kid": _thumbprint(jwk), "use": "sig", "alg": "RS256"}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk()]}

    def sign(self, claims: dict[str, Any]) -> str:
        # Real identity servers may add `x5t`; without a certificate the sandbox leaves it out,
        # and clients pick the key by `kid`.
        kid = self.public_jwk()["kid"]
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": kid})


def at_hash(access_token: str) -> str:
    """OpenID Connect `at_hash`: the left half of the token's SHA-256, base64url-encoded."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])


def _thumbprint(jwk: dict[str, str]) -> str:
    # RFC 7638: the required members only, sorted, without whitespace.
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())
