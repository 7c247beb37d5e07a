"""Fetch: JSM Operations' alerts (``GET /v1/alerts``) in the shapes of an incremental stream
that reads changes (``integrations.sync.streams.ChangesReader``), mapped like OpsGenie's
(``integrations.alert_mapping``: the same item shape).

The listing pages by ``size`` (≤ 100) and ``offset``, refused once offset + size reaches 20,000,
and sorts by createdAt, insertedAt, lastOccurredAt or priority (not updatedAt). So every listing
here is sorted by createdAt ascending and read by keyset (``integrations.sync.keyset``): each
page asks for ``createdAt>=`` the last alert seen (epoch milliseconds, OpsGenie's query syntax),
which keeps the offset near 0 however many alerts the account holds and never skips an alert
deleted mid-scan. A scheduled run reads what changed since the watermark less
``UPDATED_OVERLAP`` with the same keyset narrowed by ``UPDATED_QUERY`` (unconfirmed: OpsGenie's
syntax documents ``updatedAt`` for no listing; the emulator answers it).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from integrations.alert_mapping import alert_record
from integrations.http import ErrorKind, UpstreamError
from integrations.providers.jsm.ops_reader import OPS_PAGE, JsmOps
from integrations.records import AlertRecord
from integrations.sync.keyset import keyset_pages

IDS_PER_QUERY = 50
MAX_OFFSET = 20_000  # offset + size must stay below it
UPDATED_OVERLAP = timedelta(minutes=10)
# Alerts can become visible a little after their createdAt.
CREATED_OVERLAP = timedelta(minutes=10)
UPDATED_QUERY = "updatedAt>={ms}"  # unconfirmed (see the module's doc)
ID_QUERY = 'alertId:"{id}"'  # unconfirmed: OpsGenie's alert search field


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class JsmAlerts:
    """The alerts stream's reader."""

    def __init__(self, ops: JsmOps) -> None:
        self.ops = ops

    def scan_all(self, *, after: datetime | None = None) -> Iterator[list[AlertRecord]]:
        return self._listing(None, after)

    def created_since(self, moment: datetime) -> Iterator[list[AlertRecord]]:
        return self._listing(None, moment - CREATED_OVERLAP)

    def changed_since(self, moment: datetime) -> Iterator[list[AlertRecord]]:
        floor = epoch_ms(moment - UPDATED_OVERLAP)
        return self._listing(UPDATED_QUERY.format(ms=floor), None)

    def still_open(self) -> Iterator[list[AlertRecord]]:
        return self._listing("status:open", None)

    def no_longer_open(self, upstream_ids: Sequence[str]) -> Iterator[list[AlertRecord]]:
        return self.by_ids(upstream_ids)

    def by_ids(self, upstream_ids: Sequence[str]) -> Iterator[list[AlertRecord]]:
        for start in range(0, len(upstream_ids), IDS_PER_QUERY):
            chunk = upstream_ids[start : start + IDS_PER_QUERY]
            query = " OR ".join(ID_QUERY.format(id=i.replace('"', "")) for i in chunk)
            records, _more = self._page(f"({query})", offset=0)
            yield records

    def _listing(self, query: str | None, start: datetime | None) -> Iterator[list[AlertRecord]]:
        def fetch(lower: datetime | None, offset: int) -> tuple[list[AlertRecord], bool]:
            key = f"createdAt>={epoch_ms(lower)}" if lower is not None else None
            return self._page(" AND ".join(c for c in (query, key) if c), offset=offset)

        return keyset_pages(fetch, start=start)

    def _page(self, query: str, *, offset: int) -> tuple[list[AlertRecord], bool]:
        if offset + OPS_PAGE >= MAX_OFFSET:
            # Only 20,000 alerts created in one millisecond could get here.
            raise UpstreamError(
                ErrorKind.MALFORMED, message="more alerts in one instant than a listing reaches"
            )
        params: dict[str, Any] = {
            "size": OPS_PAGE,
            "offset": offset,
            "sort": "createdAt",
            "order": "asc",
        }
        if query:
            params["query"] = query
        body = self.ops.get(f"{self.ops.root}/v1/alerts", params)
        records = [alert_record(raw) for raw in body["values"]]
        return records, self.ops.next_link(body) is not None
