"""HTTP helpers for the PagerDuty sandbox tests."""

from __future__ import annotations

from typing import Any

import requests

from integrations.sandbox.server import SandboxServer


def auth_header(sandbox: SandboxServer, key: str) -> dict[str, str]:
    """`key` names a SandboxKeys field without `pagerduty_`; `*_oauth` ones are bearer tokens."""
    secret = getattr(sandbox.keys, "pagerduty_" + key)
    if key.endswith("_oauth"):
        return {"Authorization": f"Bearer {secret}"}
    return {"Authorization": f"Token token={secret}"}


def pd_call(
    sandbox: SandboxServer,
    path: str,
    *,
    key: str | None = "us",
    region: str = "us",
    headers: dict[str, str] | None = None,
    params: Any = None,
    **named: Any,
) -> requests.Response:
    """GET a PagerDuty region; `params` may be a list of pairs for repeated `name[]` values."""
    sent = {"Accept": "application/vnd.pagerduty+json;version=2", **(headers or {})}
    if key is not None:
        sent = {**auth_header(sandbox, key), **sent}
    query = list(params or []) + list(named.items())
    url = sandbox.pagerduty_url(region) + path
    return requests.get(url, headers=sent, params=query, timeout=10)
