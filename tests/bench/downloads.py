"""(a): every incident page with plain requests, the same pages the sync asks for.

Both upstreams are read by keyset, as the sync reads them: oldest first, the largest pages,
each page asking for what follows the last creation time seen, at offset 0 (OpsGenie
``createdAt>=<ms>``; PagerDuty ``since`` one second before it, in windows under the 6-month
maximum). The boundary's repeats are dropped by id, as the sync drops them.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import requests

PAGE = 100
SPAN = timedelta(days=180)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def opsgenie(base_url: str, key: str) -> tuple[float, int]:
    """(seconds, distinct incidents)."""
    session = requests.Session()
    session.headers["Authorization"] = f"GenieKey {key}"
    ids: set[str] = set()
    query = ""
    start = time.perf_counter()
    while True:
        params = {"limit": PAGE, "offset": 0, "sort": "createdAt", "order": "asc"}
        if query:
            params["query"] = query
        body = session.get(f"{base_url}/v1/incidents", params=params, timeout=30).json()
        ids.update(incident["id"] for incident in body["data"])
        if not body["paging"].get("next") or not body["data"]:
            return time.perf_counter() - start, len(ids)
        last = datetime.fromisoformat(body["data"][-1]["createdAt"])
        query = f"createdAt>={int(last.timestamp() * 1000)}"


def pagerduty(base_url: str, key: str) -> tuple[float, int]:
    """(seconds, distinct incidents)."""
    session = requests.Session()
    session.headers.update(
        {
            "Authorization": f"Token token={key}",
            "Accept": "application/vnd.pagerduty+json;version=2",
        }
    )
    ids: set[str] = set()
    window: dict[str, str] = {"date_range": "all"}
    start = time.perf_counter()
    while True:
        params = {**window, "limit": PAGE, "offset": 0, "sort_by": "created_at:asc"}
        body = session.get(f"{base_url}/incidents", params=params, timeout=30).json()
        incidents = body["incidents"]
        ids.update(incident["id"] for incident in incidents)
        now = datetime.now(UTC)
        until = datetime.fromisoformat(window["until"]) if "until" in window else now
        if incidents and body["more"]:
            since = datetime.fromisoformat(incidents[-1]["created_at"]) - timedelta(seconds=1)
        elif until < now:
            since = until  # this window is read to its end; the next one goes on from there
        else:
            return time.perf_counter() - start, len(ids)
        window = {"since": _iso(since), "until": _iso(min(since + SPAN, now + timedelta(days=1)))}
