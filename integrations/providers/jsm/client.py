"""Jira Cloud and JSM Operations REST client (reference/jsm-access-outbound.md §1). Only reads.

Two hosts: the site (``https://{site}.atlassian.net``: the cloudId lookup, the user, the work
item search) and the Ops API gateway (``https://api.atlassian.com/jsm/ops/api/{cloudId}/v1``).
Both take HTTP Basic auth with the Atlassian account's email and API token, acting as that user;
the cloudId lookup takes none.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings

from integrations.http import ErrorKind, UpstreamError, UpstreamSession
from integrations.providers.jsm.site import site_url

# Work items a search page holds: Jira's documented maximum for a search returning fields
# (unconfirmed beyond 100; the default is 50).
PAGE_SIZE = 100


# Every listing's order: a creation time never changes, so a work item updated while we page
# keeps its place.
ORDER = "ORDER BY created ASC, id ASC"


def listing_jql(jql: str, clause: str | None = None) -> str:
    """The admin's JQL, narrowed by ``clause``, in the listings' order."""
    return f"({jql})" + (f" AND {clause}" if clause else "") + f" {ORDER}"


def rate_limit_wait(headers: Mapping[str, str]) -> float | None:
    """Jira Cloud says how many seconds to wait in ``Retry-After`` (the Ops API's limits are
    undocumented: the same header is read, and without it the chokepoint backs off)."""
    value = headers.get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def basic_auth(email: str, api_token: str) -> str:
    pair = f"{email}:{api_token}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


class JsmClient:
    def __init__(
        self,
        *,
        site: str,
        email: str,
        api_token: str,
        cloud_id: str = "",
        max_attempts: int = 5,
        deadline: float | None = None,
    ) -> None:
        # Built from the checked site name and settings only, never from a typed URL.
        self.site_url = site_url(site)
        self.ops_url = settings.JSM_BASE_URLS["cloud"]
        self.cloud_id = cloud_id
        self.session = UpstreamSession(
            headers={"Authorization": basic_auth(email, api_token)},
            rate_limit_wait=rate_limit_wait,
            max_attempts=max_attempts,
        )
        # The cloudId lookup is anonymous: no credential goes with it.
        self.anonymous = UpstreamSession(
            headers={}, rate_limit_wait=rate_limit_wait, max_attempts=max_attempts
        )
        if deadline is not None:  # a person is waiting: shorter than a sync's budget
            self.session.deadline = deadline
            self.anonymous.deadline = deadline

    def tenant_info(self) -> str:
        """The site's cloudId (``GET /_edge/tenant_info``, no auth)."""
        body = self.anonymous.get_json(f"{self.site_url}/_edge/tenant_info").data
        cloud_id = body.get("cloudId") if isinstance(body, dict) else None
        if not isinstance(cloud_id, str) or not cloud_id.strip():
            raise UpstreamError(ErrorKind.MALFORMED, message="the site named no cloudId")
        return cloud_id.strip()[:100]

    def myself(self) -> dict[str, Any]:
        """The user the token acts as: accountId, emailAddress, timeZone..."""
        body = self.session.get_json(f"{self.site_url}/rest/api/3/myself").data
        return body if isinstance(body, dict) else {}

    def search(
        self,
        jql: str,
        *,
        fields: Sequence[str],
        max_results: int = PAGE_SIZE,
        next_page_token: str | None = None,
    ) -> dict[str, Any]:
        """One page of ``GET /rest/api/3/search/jql`` (the old ``/search`` answers 410)."""
        params: dict[str, Any] = {
            "jql": jql,
            "fields": ",".join(fields),
            "maxResults": max_results,
        }
        if next_page_token:
            params["nextPageToken"] = next_page_token
        url = f"{self.site_url}/rest/api/3/search/jql"
        return self.session.get_json(url, params=params, require="issues").data  # type: ignore[no-any-return]

    def ops_get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """A read of the Ops API: ``path`` after ``/{cloudId}/v1``."""
        return self.session.get_json(f"{self.ops_url}/{self.cloud_id}/v1{path}", params=params).data

    def close(self) -> None:
        self.session.close()
        self.anonymous.close()
