"""Fetch: OpsGenie's alerts (``GET /v2/alerts``, reference/opsgenie-api.md §4.1) in the shapes
of an incremental stream (``integrations.sync.streams.IncrementalReader``).

Like the incidents, every listing is sorted by createdAt ascending, 100 a page, and read by
keyset on ``createdAt>=`` (epoch milliseconds), so no listing nears OpsGenie's offset cap and
alerts created or deleted while we page never make the scan skip one. A scheduled run reads the
alerts created since the newest stored one and every alert still open (``status:open``): an
alert acknowledged, closed or raised again is seen changed; those we hold as open that the open
listing no longer names are read again by id, 50 to a query (``alertId:``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from integrations.providers.opsgenie.client import OpsgenieClient
from integrations.providers.opsgenie.mapping import alert_record
from integrations.records import AlertRecord
from integrations.sync.keyset import keyset_pages

PAGE_SIZE = 100  # OpsGenie's largest page
IDS_PER_QUERY = 50


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class OpsgenieAlerts:
    """The alerts stream's reader (an IncrementalReader)."""

    def __init__(self, client: OpsgenieClient, *, overlap: timedelta) -> None:
        self.client = client
        # Alerts, like incidents, can become visible a little after their createdAt.
        self.overlap = overlap

    def scan_all(self, *, after: datetime | None = None) -> Iterator[list[AlertRecord]]:
        return self._listing(query=None, start=after)

    def created_since(self, moment: datetime) -> Iterator[list[AlertRecord]]:
        return self._listing(query=None, start=moment - self.overlap)

    def still_open(self) -> Iterator[list[AlertRecord]]:
        return self._listing(query="status:open", start=None)

    def no_longer_open(self, upstream_ids: Sequence[str]) -> Iterator[list[AlertRecord]]:
        return self.by_ids(upstream_ids)

    def by_ids(self, upstream_ids: Sequence[str]) -> Iterator[list[AlertRecord]]:
        for start in range(0, len(upstream_ids), IDS_PER_QUERY):
            chunk = upstream_ids[start : start + IDS_PER_QUERY]
            query = " OR ".join(f"alertId:{_quoted(upstream_id)}" for upstream_id in chunk)
            records, _more = self._page(query, offset=0)
            yield records

    def _listing(self, *, query: str | None, start: datetime | None) -> Iterator[list[AlertRecord]]:
        def fetch(lower: datetime | None, offset: int) -> tuple[list[AlertRecord], bool]:
            key = f"createdAt>={epoch_ms(lower)}" if lower is not None else None
            clauses = [clause for clause in (query, key) if clause]
            return self._page(" AND ".join(clauses), offset=offset)

        return keyset_pages(fetch, start=start)

    def _page(self, query: str, *, offset: int) -> tuple[list[AlertRecord], bool]:
        params: dict[str, Any] = {
            "limit": PAGE_SIZE,
            "offset": offset,
            "sort": "createdAt",
            "order": "asc",
        }
        if query:
            params["query"] = query
        url = f"{self.client.base_url}/v2/alerts"
        # ``require``: an answer without its list is retried like a 5xx (integrations.http).
        body = self.client.session.get_json(url, params=params, require="data").data
        records = [alert_record(raw) for raw in body["data"]]
        paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
        return records, bool(paging.get("next"))


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"'
