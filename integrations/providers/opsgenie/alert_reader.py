"""Fetch: OpsGenie's alerts (``GET /v2/alerts``, reference/opsgenie-api.md §4.1) in the shapes
of an incremental stream (``integrations.sync.streams.IncrementalReader``).

Like the incidents, a full scan is sorted by createdAt ascending, 100 a page, and read by
keyset on ``createdAt>=`` (epoch milliseconds), so it never nears OpsGenie's offset cap and
alerts created or deleted while we page never make the scan skip one.

A scheduled run reads only what changed (``changed_since``): the listing sorted by ``updatedAt``
descending (an official sort field, §4.1), page after page until the alerts are older than the
watermark less ``UPDATED_OVERLAP``. With nothing changed that is one call, however many alerts
the account holds. No query on ``updatedAt`` is sent: OpsGenie does not document it for alerts.

Offsets over a key that changes while we page: an alert updated mid-listing moves to the front,
shifting the alerts between by one toward the end; the next page then repeats one (dropped by
id) and skips none. The moved alert itself is read by the *next* run, whose watermark is this
run's start (the engine's, ``integrations.sync.watermark``). An alert deleted mid-listing shifts
the rest toward the front, which could skip one: each page asks again for the last alert of the
page before, and when that alert is no longer where it was the listing starts over (dropping
what it read already). A listing that cannot reach back to the watermark within the offset cap,
or keeps shifting, raises ``ChangesUnreadable``; the engine then re-reads every open alert (the
way without a watermark: the alerts created since the newest stored one, every alert still open
(``status:open``), and those we hold as open that it no longer names, by id, 50 to a query).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from integrations.alert_mapping import alert_record
from integrations.providers.opsgenie.client import OpsgenieClient
from integrations.records import AlertRecord
from integrations.sync.keyset import keyset_pages
from integrations.sync.streams import ChangesUnreadable

PAGE_SIZE = 100  # OpsGenie's largest page
IDS_PER_QUERY = 50
# How much earlier than the watermark (the last good run's start, by our clock) a scheduled run
# reads changes from: covers the skew between our clock and OpsGenie's, and a change that
# becomes visible to the listing a little after its updatedAt.
UPDATED_OVERLAP = timedelta(minutes=10)
# Listings of alerts refuse ``offset`` from 20,000 on (reference §2; the exact bound is
# third-party): a page is asked for only while offset + limit stays within it.
MAX_OFFSET = 20_000
# A listing that shifted under us (an alert deleted mid-listing) starts over at most this often.
MAX_RESTARTS = 3


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

    def changed_since(self, moment: datetime) -> Iterator[list[AlertRecord]]:
        """Alerts updated at or after ``moment`` less ``UPDATED_OVERLAP``, newest change first;
        each page asks again for the last alert of the one before (see the module's doc)."""
        floor = moment - UPDATED_OVERLAP
        seen: set[str] = set()
        offset, previous_last, restarts = 0, "", 0
        while True:
            if offset + PAGE_SIZE > MAX_OFFSET:
                raise ChangesUnreadable(f"more alerts changed since {floor} than one listing holds")
            records, more = self._page(None, offset=offset, sort="updatedAt", order="desc")
            ids = [record.upstream_id for record in records]
            if previous_last and previous_last not in ids:
                # Alerts before our position were deleted (or too many updated): start over.
                restarts += 1
                if restarts > MAX_RESTARTS:
                    raise ChangesUnreadable("the alerts listing kept shifting while it was read")
                offset, previous_last = 0, ""
                continue
            recent = [record for record in records if _updated(record) >= floor]
            fresh = [record for record in recent if record.upstream_id not in seen]
            seen.update(record.upstream_id for record in fresh)
            if fresh:
                yield fresh
            if not more or not records or len(recent) < len(records):
                return  # the last alert of the page is older than the floor: so are the rest
            offset, previous_last = offset + len(records) - 1, ids[-1]

    def no_longer_open(self, upstream_ids: Sequence[str]) -> Iterator[list[AlertRecord]]:
        return self.by_ids(upstream_ids)

    def by_ids(self, upstream_ids: Sequence[str]) -> Iterator[list[AlertRecord]]:
        for start in range(0, len(upstream_ids), IDS_PER_QUERY):
            chunk = upstream_ids[start : start + IDS_PER_QUERY]
            query = " OR ".join(f"alertId:{_quoted(upstream_id)}" for upstream_id in chunk)
            records, _more = self._page(query, offset=0, sort="createdAt", order="asc")
            yield records

    def _listing(self, *, query: str | None, start: datetime | None) -> Iterator[list[AlertRecord]]:
        def fetch(lower: datetime | None, offset: int) -> tuple[list[AlertRecord], bool]:
            key = f"createdAt>={epoch_ms(lower)}" if lower is not None else None
            clauses = [clause for clause in (query, key) if clause]
            return self._page(" AND ".join(clauses), offset=offset, sort="createdAt", order="asc")

        return keyset_pages(fetch, start=start)

    def _page(
        self, query: str | None, *, offset: int, sort: str, order: str
    ) -> tuple[list[AlertRecord], bool]:
        params: dict[str, Any] = {
            "limit": PAGE_SIZE,
            "offset": offset,
            "sort": sort,
            "order": order,
        }
        if query:
            params["query"] = query
        url = f"{self.client.base_url}/v2/alerts"
        # ``require``: an answer without its list is retried like a 5xx (integrations.http).
        body = self.client.session.get_json(url, params=params, require="data").data
        records = [alert_record(raw) for raw in body["data"]]
        paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
        return records, bool(paging.get("next"))


def _updated(record: AlertRecord) -> datetime:
    # An alert without updatedAt has changed at most when it was created.
    return record.updated_at or record.created_at


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"'
