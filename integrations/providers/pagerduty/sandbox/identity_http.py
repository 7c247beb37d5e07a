"""PagerDuty's part of the sandbox identity server's requests (`identity`): its consent and
error pages and the scopes a request may carry. The OAuth plumbing it shares with the sandbox's
OpenID provider is in `integrations.sandbox.oauth_http`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from integrations.sandbox.oauth_http import consent_page as shared_consent_page
from integrations.sandbox.oauth_http import error_page as shared_error_page
from integrations.sandbox.wsgi import Response

SITE: Final = "PagerDuty sandbox"

CLASSIC_SCOPES: Final = ("read", "write")
# Scoped OAuth names the sandbox grants (reference §2.3); upstream has 71, others are dropped.
_SCOPED_RESOURCES: Final = (
    "incidents",
    "abilities",
    "audit_records",
    "escalation_policies",
    "oauth_delegations",
    "oncalls",
    "priorities",
    "schedules",
    "services",
    "teams",
    "users",
    "users:contact_methods",
    "users:sessions",
)
SCOPED_SCOPES: Final = frozenset(f"{r}.{a}" for r in _SCOPED_RESOURCES for a in ("read", "write"))


def consent_page(
    *, action: str, params: Sequence[tuple[str, str]], accounts: Sequence[tuple[str, str]]
) -> Response:
    """The page of leg 1; `accounts` are (form value, label) pairs, the first one checked."""
    return shared_consent_page(
        site=SITE,
        heading="Authorize access to your PagerDuty account",
        legend="Approve as the admin of",
        action=action,
        params=params,
        accounts=accounts,
    )


def error_page(message: str) -> Response:
    """A 400 for the resource owner: used when redirecting to the client would be unsafe."""
    return shared_error_page(message, site=SITE)


def parse_scope(raw: str) -> tuple[tuple[str, ...], bool]:
    """(granted scopes without `openid`, is Classic OAuth). Invalid names are dropped silently
    (reference §2.3), so a request of only invalid names is granted `openid` alone.

    Classic means exactly `read` or `write`; every token gets `openid` anyway, so a requested
    `openid` is ignored when deciding."""
    names = [name for name in raw.split() if name != "openid"]
    if len(names) == 1 and names[0] in CLASSIC_SCOPES:
        return (names[0],), True
    return tuple(dict.fromkeys(n for n in names if n in SCOPED_SCOPES)), False
