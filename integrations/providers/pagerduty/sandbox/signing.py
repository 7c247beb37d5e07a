"""RS256 signing for the sandbox's PagerDuty identity server: the ID token and its JWKS.

Uses `cryptography` (already installed through django-encrypted-model-fields), so the sandbox
issues real JWTs that a client can verify exactly as it would verify PagerDuty's
(reference/pagerduty-api.md §2.6).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from typing import Any, Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

RSA_KEY_BITS: Final = 2048
RSA_PUBLIC_EXPONENT: Final = 65537


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2), as JWTs and PKCE challenges use it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _uint(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


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
        numbers = self.private_key.public_key().public_numbers()
        jwk = {"kty": "RSA", "n": _uint(numbers.n), "e": _uint(numbers.e)}
        return {**jwk, "kid": _thumbprint(jwk), "use": "sig", "alg": "RS256"}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk()]}

    def sign(self, claims: dict[str, Any]) -> str:
        # Guess: PagerDuty's header also has `x5t` (reference §2.6); without a certificate the
        # sandbox leaves it out, and clients pick the key by `kid`.
        header = {"alg": "RS256", "kid": self.public_jwk()["kid"], "typ": "JWT"}
        signing_input = f"{_segment(header)}.{_segment(claims)}".encode("ascii")
        signature = self.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input.decode('ascii')}.{b64url(signature)}"


def at_hash(access_token: str) -> str:
    """OpenID Connect `at_hash`: the left half of the token's SHA-256, base64url-encoded."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])


def _segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def _thumbprint(jwk: dict[str, str]) -> str:
    # RFC 7638: the required members only, sorted, without whitespace.
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())
