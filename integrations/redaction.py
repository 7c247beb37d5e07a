"""The one redaction every upstream text goes through before it is stored, logged or shown.

Upstreams and the proxies in front of them sometimes repeat the request in an error message
("Key 645f… is invalid", "Authorization: GenieKey …"). Such text reaches sync runs, the
connection's last error, the dashboard, the connection pages, the evidence export and the logs,
so everything upstream-made is passed through ``redact`` first: at the HTTP chokepoint (which
knows the secrets its session sends), and again where errors are stored (which knows the
connection's credentials).

Two things are removed, each replaced by ``[redacted]``:

- the secrets we know: every secret value of the credentials in use, as sent and in the
  encodings an echo commonly takes (URL-encoded, form-encoded, JSON- or HTML-escaped);
- anything shaped like a credential, known or not: ``GenieKey …``, ``Token token=…``,
  ``Bearer …``, ``Basic …``, an ``Authorization:`` header, and ``api_key=…``-style pairs.

It never raises and imports nothing of Django: the chokepoint calls it on every error.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
# Shorter values are no credential worth the name, and redacting them would blank out letters
# of ordinary words (an empty key would match everywhere).
MIN_SECRET_LENGTH = 6
# Credential fields that are not secrets: kept in messages (a date, the granted scope, the
# site and the query a connection reads, the upstream's ids of the account and the user).
PUBLIC_CREDENTIAL_FIELDS = frozenset(
    {"expires_at", "scope", "site", "jql", "cloud_id", "account_id"}
)
# Header names and form fields whose values are secrets.
SECRET_HEADER_WORDS = ("authorization", "key", "token", "secret")
SECRET_FIELDS = frozenset(
    {"api_key", "access_token", "refresh_token", "id_token", "token", "client_secret", "code"}
    | {"code_verifier", "password"}
)

_VALUE = r"[A-Za-z0-9._~+/:%@!$*-]{8,}=*"
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # An echoed header, whatever its scheme: `Authorization: GenieKey abc`, `authorization=abc`.
    (
        re.compile(r"\b(authorization\s*[:=]\s*[\"']?)(?:[A-Za-z]+\s+)?[^\s\"',;]+", re.I),
        rf"\1{REDACTED}",
    ),
    # PagerDuty's REST key scheme: `Token token=abc` (quoted or not).
    (re.compile(r"\b(token\s+token\s*=\s*[\"']?)[^\s\"',;]+", re.I), rf"\1{REDACTED}"),
    # OpsGenie's key scheme, OAuth bearer tokens, HTTP Basic credentials.
    (re.compile(rf"\b((?:GenieKey|Bearer|Basic)\s+){_VALUE}", re.I), rf"\1{REDACTED}"),
    # `api_key=abc`, `"access_token": "abc"`, `client_secret: abc` and the like.
    (
        re.compile(
            r"\b((?:api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|id[_-]?token"
            r"|client[_-]?secret|code[_-]?verifier|password)[\"']?\s*[:=]\s*[\"']?)"
            r"[^\s\"'&,;]+",
            re.I,
        ),
        rf"\1{REDACTED}",
    ),
)


class HasCredentials(Protocol):
    def get_credentials(self) -> dict[str, Any]: ...


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without ``secrets`` (in their common encodings) and without anything shaped
    like a credential."""
    if not text:
        return text
    variants = sorted(
        {form for secret in secrets for form in _encodings(secret)}, key=len, reverse=True
    )
    if variants:
        # Longest first, so a value is replaced whole rather than a shorter variant inside it.
        known = re.compile("|".join(re.escape(form) for form in variants), re.I)
        text = known.sub(REDACTED, text)
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def credential_secrets(credentials: Mapping[str, Any]) -> list[str]:
    """Every secret value of a connection's decrypted credentials (API key, OAuth tokens)."""
    return [
        value
        for name, value in credentials.items()
        if name not in PUBLIC_CREDENTIAL_FIELDS and isinstance(value, str)
    ]


def redact_for(connection: HasCredentials, text: str) -> str:
    """``redact`` with the connection's own credentials: read when needed, since an OAuth
    connection's tokens rotate during a sync. Credentials that cannot be read (erased by a
    disconnect, or undecryptable) still leave the shape-based redaction."""
    if not text:
        return text
    try:
        credentials = connection.get_credentials()
    except (ValueError, TypeError):
        credentials = {}
    return redact(text, credential_secrets(credentials if isinstance(credentials, dict) else {}))


def header_secrets(headers: Mapping[str, str]) -> list[str]:
    """The secrets a session sends in its headers: each credential header's value, and the
    credential in it without its scheme (``GenieKey abc`` → ``abc``; ``Token token=abc`` →
    ``abc``)."""
    found: list[str] = []
    for name, value in headers.items():
        if not any(word in name.lower() for word in SECRET_HEADER_WORDS):
            continue
        found.append(value)
        _scheme, _, rest = value.strip().partition(" ")
        rest = rest.strip()
        if rest:
            found.append(rest)
            if "=" in rest:
                found.append(rest.split("=", 1)[1].strip().strip("\"'"))
    return found


def form_secrets(data: Mapping[str, str]) -> list[str]:
    """The secret values of a form a session posts (OAuth token and revoke requests)."""
    return [value for name, value in data.items() if name in SECRET_FIELDS]


def _encodings(secret: str) -> set[str]:
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
        return set()
    return {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        quote(secret),
        html.escape(secret),
        json.dumps(secret)[1:-1],
    }
