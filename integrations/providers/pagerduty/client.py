"""PagerDuty REST API v2 client (reference/pagerduty-api.md). Only reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from integrations.http import UpstreamSession

# Without it a token answers with the API version current when it was created (reference §1.3).
ACCEPT = "application/vnd.pagerduty+json;version=2"


def rate_limit_wait(headers: Mapping[str, str]) -> float | None:
    # PagerDuty says how many seconds until its window resets (reference §5.3).
    value = headers.get("ratelimit-reset")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def authorization(*, api_key: str | None = None, access_token: str | None = None) -> str:
    if access_token:
        return f"Bearer {access_token}"
    return f"Token token={api_key}"


class PagerDutyClient:
    def __init__(
        self,
        *,
        region: str,
        api_key: str | None = None,
        access_token: str | None = None,
        max_attempts: int = 5,
        deadline: float | None = None,
    ) -> None:
        # Base URLs come from settings only (never from a form), per region.
        self.base_url = settings.PAGERDUTY_BASE_URLS[region]
        self.region = region
        self.session = UpstreamSession(
            headers={
                "Authorization": authorization(api_key=api_key, access_token=access_token),
                "Accept": ACCEPT,
            },
            rate_limit_wait=rate_limit_wait,
            max_attempts=max_attempts,
        )
        if deadline is not None:  # a person is waiting: shorter than a sync's budget
            self.session.deadline = deadline

    def check_incident_access(self) -> None:
        """The cheapest call that proves the credentials can read incidents in this region."""
        self.session.get_json(f"{self.base_url}/incidents", params={"limit": 1})

    def account_subdomain(self) -> str:
        """The account's subdomain, read from the web link of its first user, as PagerDuty's own
        client does (reference §1.1): a REST API key names no account, yet switching between a
        key and OAuth must recognise the same account. "" when the answer does not say."""
        data = self.get("/users", params={"limit": 1})
        users = data.get("users") if isinstance(data, dict) else None
        first = users[0] if isinstance(users, list) and users else None
        return subdomain_of(first.get("html_url") if isinstance(first, dict) else None)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.session.get_json(f"{self.base_url}{path}", params=params).data

    def close(self) -> None:
        self.session.close()


def subdomain_of(html_url: object) -> str:
    """``acme`` from ``https://acme.pagerduty.com/users/P1`` (or ``acme.eu.pagerduty.com``)."""
    host = urlsplit(html_url).hostname if isinstance(html_url, str) else None
    if not host or not host.endswith(".pagerduty.com"):
        return ""
    label = host.split(".", 1)[0]
    return label if label.replace("-", "").isalnum() and len(label) <= 100 else ""
