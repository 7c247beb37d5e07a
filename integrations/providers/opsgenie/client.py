"""OpsGenie REST API client (reference/opsgenie-api.md). Only reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings

from integrations.http import ErrorKind, UpstreamError, UpstreamSession


def rate_limit_wait(headers: Mapping[str, str]) -> float | None:
    # OpsGenie says how long its rolling window is (1 s or 60 s), not when it resets.
    value = headers.get("X-RateLimit-Period-In-Sec")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class OpsgenieClient:
    def __init__(
        self, *, api_key: str, region: str, max_attempts: int = 5, deadline: float | None = None
    ) -> None:
        # Base URLs come from settings only (never from a form), per region.
        self.base_url = settings.OPSGENIE_BASE_URLS[region]
        self.region = region
        self.session = UpstreamSession(
            headers={"Authorization": f"GenieKey {api_key}"},
            rate_limit_wait=rate_limit_wait,
            max_attempts=max_attempts,
        )
        if deadline is not None:  # a person is waiting: shorter than a sync's budget
            self.session.deadline = deadline

    def check_incident_access(self) -> None:
        """The cheapest call that proves the key can read incidents in this region."""
        self.session.get_json(f"{self.base_url}/v1/incidents", params={"limit": 1})

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.session.get_json(f"{self.base_url}{path}", params=params).data

    def close(self) -> None:
        self.session.close()

    def next_link(self, body: Mapping[str, Any]) -> str | None:
        """The answer's ``paging.next``, or None on the last page. The key goes only to the host
        it was saved for, whatever a paging link says."""
        paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
        next_url = paging.get("next")
        if not isinstance(next_url, str) or not next_url:
            return None
        if not next_url.startswith(self.base_url + "/"):
            raise UpstreamError(
                ErrorKind.MALFORMED, message="a paging link points outside the account's API host"
            )
        return next_url
