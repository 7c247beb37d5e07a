"""(a) for PagerDuty: every incident page with plain requests, as any client must read them.

Largest pages, oldest first; past the 10,000 offset cap the listing goes on in since/until
windows from the last created_at seen (reference §5.1), each under the 6-month maximum span.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import requests

PAGE = 100
CAP = 10_000
SPAN = timedelta(days=180)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def download_all(base_url: str, key: str) -> tuple[float, int]:
    """(seconds, distinct incidents)."""
    session = requests.Session()
    session.headers.update(
        {
            "Authorization": f"Token token={key}",
            "Accept": "application/vnd.pagerduty+json;version=2",
        }
    )
    end = datetime.now(UTC) + timedelta(days=1)
    ids: set[str] = set()
    window: dict[str, str] = {"date_range": "all"}
    start = time.perf_counter()
    while True:
        offset, last, capped = 0, None, False
        while True:
            params = {**window, "limit": PAGE, "offset": offset, "sort_by": "created_at:asc"}
            body = session.get(f"{base_url}/incidents", params=params, timeout=30).json()
            incidents = body["incidents"]
            ids.update(incident["id"] for incident in incidents)
            if incidents:
                last = datetime.fromisoformat(incidents[-1]["created_at"])
            offset += PAGE
            if not body["more"]:
                break
            if offset + PAGE > CAP:
                capped = True
                break
        if capped and last is not None:
            since = last
        elif "until" in window and datetime.fromisoformat(window["until"]) < end:
            since = datetime.fromisoformat(window["until"])
        else:
            return time.perf_counter() - start, len(ids)
        window = {"since": _iso(since), "until": _iso(min(since + SPAN, end))}
