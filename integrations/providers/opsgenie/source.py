"""Fetch: OpsGenie incidents, page by page, in the shapes the sync engine asks for.

Every listing is sorted by createdAt ascending, so incidents created while we page land after
our position (nothing is skipped), and follows ``paging.next`` exactly. A listing that would
pass the offset cap starts a new window from the last createdAt seen (query syntax, reference
§3.5), so any number of incidents can be read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from integrations.http import CallStats, ErrorKind, UpstreamError
from integrations.models import Connection
from integrations.providers.opsgenie.client import OpsgenieClient
from integrations.providers.opsgenie.mapping import incident_record
from integrations.providers.opsgenie.validation import failure_for_error
from integrations.records import IncidentRecord

PAGE_SIZE = 100  # OpsGenie's largest page
# OpsGenie refuses offsets of 20,000 and more; start a new window well before that.
WINDOW_OFFSET = 10_000
IDS_PER_QUERY = 50
# Incidents can become visible to the API a little after their createdAt.
CREATED_OVERLAP = timedelta(minutes=10)


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class OpsgenieIncidentSource:
    stream = "incidents"

    def __init__(self, client: OpsgenieClient) -> None:
        self.client = client
        self._service_names: dict[str, str] | None = None

    def service_names(self) -> dict[str, str]:
        """Service id → name, read once per sync (a few calls: services are few)."""
        if self._service_names is None:
            names: dict[str, str] = {}
            try:
                url: str | None = f"{self.client.base_url}/v1/services"
                params: dict[str, Any] | None = {"limit": PAGE_SIZE, "offset": 0}
                while url:
                    data, url = _page(self.client.session.get_json(url, params=params).data)
                    names.update(
                        (s["id"], str(s.get("name") or s["id"]))
                        for s in data
                        if isinstance(s, dict) and isinstance(s.get("id"), str)
                    )
                    url, params = (self._same_host(url) if url else None), None
            except UpstreamError as error:
                # A key limited to incidents cannot read services: keep their ids instead.
                if error.kind != ErrorKind.FORBIDDEN:
                    raise
            self._service_names = names
        return self._service_names

    def scan_all(self) -> Iterator[list[IncidentRecord]]:
        """Every incident, oldest first, one page at a time."""
        return self._windows(query=None)

    def created_since(self, moment: datetime) -> Iterator[list[IncidentRecord]]:
        return self._windows(query=f"createdAt>={epoch_ms(moment - CREATED_OVERLAP)}")

    def still_open(self) -> Iterator[list[IncidentRecord]]:
        return self._windows(query="status:open")

    def by_ids(self, upstream_ids: Sequence[str]) -> Iterator[list[IncidentRecord]]:
        for start in range(0, len(upstream_ids), IDS_PER_QUERY):
            chunk = upstream_ids[start : start + IDS_PER_QUERY]
            query = " OR ".join(f"id:{_quoted(upstream_id)}" for upstream_id in chunk)
            yield from self._pages({"query": query})

    def _windows(self, *, query: str | None) -> Iterator[list[IncidentRecord]]:
        lower: str | None = None
        while True:
            clauses = [c for c in (query, lower) if c]
            params: dict[str, Any] = {"query": " AND ".join(clauses)} if clauses else {}
            last_created: datetime | None = None
            truncated = False
            for page, more_past_cap in self._pages_with_offsets(params):
                truncated = more_past_cap
                yield page
                if page:
                    last_created = page[-1].created_at
            if not truncated or last_created is None:
                return
            # Same-millisecond incidents at the boundary come again; the store dedupes them.
            lower = f"createdAt>={epoch_ms(last_created)}"

    def _pages(self, params: dict[str, Any]) -> Iterator[list[IncidentRecord]]:
        for page, _truncated in self._pages_with_offsets(params):
            yield page

    def _pages_with_offsets(
        self, params: dict[str, Any]
    ) -> Iterator[tuple[list[IncidentRecord], bool]]:
        """Pages of one listing; the flag is True on the last page yielded when the listing
        goes on past the window's offset cap."""
        url: str | None = f"{self.client.base_url}/v1/incidents"
        request_params: dict[str, Any] | None = {
            **params,
            "limit": PAGE_SIZE,
            "offset": 0,
            "sort": "createdAt",
            "order": "asc",
        }
        offset = 0
        while url:
            body = self.client.session.get_json(url, params=request_params).data
            data, next_url = _page(body)
            at_cap = offset + PAGE_SIZE >= WINDOW_OFFSET
            names = self.service_names()
            records = [incident_record(raw, service_names=names) for raw in data]
            yield records, next_url is not None and at_cap
            if next_url is None or at_cap:
                return
            url = self._same_host(next_url)
            # paging.next carries every parameter, offset included.
            request_params = None
            offset += PAGE_SIZE

    def _same_host(self, next_url: str) -> str:
        # The key goes only to the host it was saved for, whatever a paging link says.
        if not next_url.startswith(self.client.base_url + "/"):
            raise UpstreamError(
                ErrorKind.MALFORMED, message="a paging link points outside the account's API host"
            )
        return next_url


def _page(body: Any) -> tuple[list[Any], str | None]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise UpstreamError(ErrorKind.MALFORMED, message="a page without a data list")
    paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
    next_url = paging.get("next")
    return body["data"], next_url if isinstance(next_url, str) and next_url else None


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"'


def open_source(
    connection: Connection, *, stats: CallStats, sleep: Callable[[float], None] | None = None
) -> OpsgenieIncidentSource:
    client = OpsgenieClient(
        api_key=connection.get_credentials()["api_key"], region=connection.region
    )
    client.session.stats = stats
    if sleep is not None:
        client.session.sleep = sleep
    return OpsgenieIncidentSource(client)


def describe_error(
    error: UpstreamError, *, connection: Connection | None = None
) -> tuple[str, str]:
    failure = failure_for_error(error)
    return failure.message, failure.action
