"""Shared constants and a small HTTP helper for the sandbox tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import requests

from integrations.sandbox.server import SandboxServer

# A fixed "now" keeps every assertion independent of the day the suite runs.
NOW = datetime(2025, 3, 1, tzinfo=UTC)
SEED = 7
INCIDENTS = 120
USERS = 25


def call(
    sandbox: SandboxServer,
    path: str,
    *,
    key: str | None = "us",
    region: str = "us",
    headers: dict[str, str] | None = None,
    **params: Any,
) -> requests.Response:
    """GET a region's API; `key` names a SandboxKeys field without `opsgenie_`, or None."""
    sent = dict(headers or {})
    if key is not None:
        sent.setdefault("Authorization", f"GenieKey {getattr(sandbox.keys, 'opsgenie_' + key)}")
    url = sandbox.opsgenie_url(region) + path
    return requests.get(url, headers=sent, params=params, timeout=10)


def follow(sandbox: SandboxServer, first: requests.Response) -> list[requests.Response]:
    """Every page from `first` on, following `paging.next` as an absolute URL."""
    pages = [first]
    while "next" in pages[-1].json()["paging"]:
        url = pages[-1].json()["paging"]["next"]
        auth = {"Authorization": f"GenieKey {sandbox.keys.opsgenie_us}"}
        pages.append(requests.get(url, headers=auth, timeout=10))
        assert pages[-1].status_code == 200
    return pages
