"""Fetch: PagerDuty incidents page by page, in the shapes the sync engine asks for.

Listings are sorted by created_at ascending (incidents created while we page land after our
position). PagerDuty refuses offset + limit above 10,000 (reference §5.1), so a listing that
would pass it goes on in since/until windows from the last created_at seen, each window under
the 6-month maximum span (§3.1).

Not yet in the sync engine's SOURCES: that comes with the PagerDuty connect wizard and its
service selection (issue 5), which decide the credentials and the services to read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from integrations.http import CallStats, ErrorKind, UpstreamError
from integrations.models import Connection
from integrations.providers.pagerduty.client import PagerDutyClient
from integrations.providers.pagerduty.mapping import incident_record
from integrations.providers.pagerduty.validation import failure_for_error
from integrations.records import IncidentRecord

PAGE_SIZE = 100  # PagerDuty's largest page
OFFSET_CAP = 10_000  # offset + limit may not exceed it
# The maximum since/until span is "6 months" (unconfirmed whether 180 days or calendar months).
MAX_WINDOW = timedelta(days=180)
CREATED_OVERLAP = timedelta(minutes=10)
OPEN_STATUSES = ("triggered", "acknowledged")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class PagerDutyIncidentSource:
    stream = "incidents"

    def __init__(self, client: PagerDutyClient, *, service_ids: Sequence[str] = ()) -> None:
        self.client = client
        # The incident services the admin picked; empty means all.
        self.filters: dict[str, Any] = {"service_ids[]": list(service_ids)} if service_ids else {}

    def scan_all(self) -> Iterator[list[IncidentRecord]]:
        return self._listing({"date_range": "all"}, since=None)

    def created_since(self, moment: datetime) -> Iterator[list[IncidentRecord]]:
        return self._listing({}, since=moment - CREATED_OVERLAP)

    def still_open(self) -> Iterator[list[IncidentRecord]]:
        return self._listing({"date_range": "all", "statuses[]": list(OPEN_STATUSES)}, since=None)

    def by_ids(self, upstream_ids: Sequence[str]) -> Iterator[list[IncidentRecord]]:
        """PagerDuty has no filter by id: one GET each (only incidents we hold as open)."""
        batch: list[IncidentRecord] = []
        for upstream_id in upstream_ids:
            try:
                body = self.client.get(f"/incidents/{upstream_id}")
            except UpstreamError as error:
                if error.status == 404:  # gone upstream: the reconciliation will say so
                    continue
                raise
            if not isinstance(body, dict) or not isinstance(body.get("incident"), dict):
                raise UpstreamError(ErrorKind.MALFORMED, message="an incident answer without it")
            batch.append(incident_record(body["incident"]))
            if len(batch) == PAGE_SIZE:
                yield batch
                batch = []
        if batch:
            yield batch

    def _listing(
        self, params: dict[str, Any], *, since: datetime | None
    ) -> Iterator[list[IncidentRecord]]:
        """One listing, in windows when it is longer than the offset cap allows.

        A window ends either at the cap (the next starts at the last created_at seen) or at its
        6-month end (the next starts there), until a window reaches the present."""
        windowed = {k: v for k, v in params.items() if k != "date_range"}
        current = params if since is None else {**windowed, **self._window(since)}
        while True:
            last_created: datetime | None = None
            capped = False
            for page, page_capped in self._pages(current):
                capped = page_capped
                if page:
                    last_created = page[-1].created_at
                yield page
            if capped and last_created is not None:
                # Same-second incidents at the boundary come again; the store dedupes them.
                current = {**windowed, **self._window(last_created)}
            elif "until" in current and _parse(current["until"]) < timezone.now():
                current = {**windowed, **self._window(_parse(current["until"]))}
            else:
                return

    def _window(self, since: datetime) -> dict[str, str]:
        until = min(since + MAX_WINDOW, timezone.now() + timedelta(days=1))
        return {"since": iso(since), "until": iso(until)}

    def _pages(self, params: dict[str, Any]) -> Iterator[tuple[list[IncidentRecord], bool]]:
        """Pages of one window; the flag is True on the page after which the cap stops us."""
        offset = 0
        while True:
            body = self.client.get(
                "/incidents",
                params={
                    **self.filters,
                    **params,
                    "limit": PAGE_SIZE,
                    "offset": offset,
                    "sort_by": "created_at:asc",
                },
            )
            incidents, more = _page(body)
            offset += PAGE_SIZE
            capped = more and offset + PAGE_SIZE > OFFSET_CAP
            yield [incident_record(raw) for raw in incidents], capped
            if not more or capped:
                return


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _page(body: Any) -> tuple[list[Any], bool]:
    if not isinstance(body, dict) or not isinstance(body.get("incidents"), list):
        raise UpstreamError(ErrorKind.MALFORMED, message="a page without an incidents list")
    return body["incidents"], bool(body.get("more"))


def open_source(
    connection: Connection, *, stats: CallStats, sleep: Callable[[float], None] | None = None
) -> PagerDutyIncidentSource:
    credentials = connection.get_credentials()
    client = PagerDutyClient(
        region=connection.region,
        api_key=credentials.get("api_key"),
        access_token=credentials.get("access_token"),
    )
    client.session.stats = stats
    if sleep is not None:
        client.session.sleep = sleep
    return PagerDutyIncidentSource(client)


def describe_error(error: UpstreamError) -> tuple[str, str]:
    result = failure_for_error(error)
    return result.message, result.action
