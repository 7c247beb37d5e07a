"""Fetch: PagerDuty incidents page by page, in the shapes the sync engine asks for.

Listings are sorted by created_at ascending (incidents created while we page land after our
position). PagerDuty refuses offset + limit above 10,000 (reference §5.1), so a listing that
would pass it goes on in since/until windows from the last created_at seen, each window under
the 6-month maximum span (§3.1).

Only the incidents of the services the admin picked are listed (``service_ids[]``). Reading by
id (``GET /incidents/{id}``) cannot filter, and need not: the engine only asks by id for
incidents it already stores, so it never adds one of another service. Such an incident (its
service was unpicked later, or the incident was moved to another service) is kept as evidence,
refreshed while we hold it open, and never flagged deleted while PagerDuty still has it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone

from integrations.http import CallStats, ErrorKind, UpstreamError
from integrations.models import Connection, ErrorAction
from integrations.providers.pagerduty.client import PagerDutyClient
from integrations.providers.pagerduty.mapping import incident_record, service_record
from integrations.providers.pagerduty.validation import OAUTH_SYNC_WORDING, failure_for_error
from integrations.records import IncidentRecord, ListingTruncated, ServiceRecord
from integrations.validation import failure

PAGE_SIZE = 100  # PagerDuty's largest page
OFFSET_CAP = 10_000  # offset + limit may not exceed it
# The maximum since/until span is "6 months" (unconfirmed whether 180 days or calendar months).
MAX_WINDOW = timedelta(days=180)
CREATED_OVERLAP = timedelta(minutes=10)
OPEN_STATUSES = ("triggered", "acknowledged")
# Below this many, one GET each is cheaper than any listing.
LISTING_FROM = 3


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

    def services(self) -> Iterator[list[ServiceRecord]]:
        """Every service of the account, by name (reference §4.1); 403 without services.read."""
        offset = 0
        while True:
            params = {"limit": PAGE_SIZE, "offset": offset, "sort_by": "name"}
            body = self.client.get("/services", params=params)
            if not isinstance(body, dict) or not isinstance(body.get("services"), list):
                raise UpstreamError(ErrorKind.MALFORMED, message="a page without a services list")
            yield [service_record(raw) for raw in body["services"]]
            offset += PAGE_SIZE
            if not body.get("more"):
                return
            if offset + PAGE_SIZE > OFFSET_CAP:
                raise ListingTruncated("more than 10,000 services")

    def no_longer_open(self, upstream_ids: Sequence[str]) -> Iterator[list[IncidentRecord]]:
        """Incidents we hold as open that the open listing no longer returns.

        Nearly all were resolved since the last sync, so they top the resolved incidents sorted
        by resolved_at, newest first: read that listing while it keeps finding them, at most one
        page per two ids still missing (so the worst case costs half again as many calls as
        one GET each). The rest (deleted, or of a service no longer picked) are read by id."""
        wanted = set(upstream_ids)
        if len(wanted) >= LISTING_FROM:
            params = {"date_range": "all", "statuses[]": ["resolved"]}
            found_any = False
            listing = self._pages(params, sort_by="resolved_at:desc")
            for pages, (page, _capped) in enumerate(listing, start=1):
                hits = [record for record in page if record.upstream_id in wanted]
                if hits:
                    found_any = True
                    wanted.difference_update(record.upstream_id for record in hits)
                    yield hits
                if not wanted or (found_any and not hits) or 2 * pages >= len(wanted):
                    break
        yield from self.by_ids(
            [upstream_id for upstream_id in upstream_ids if upstream_id in wanted]
        )

    def by_ids(self, upstream_ids: Sequence[str]) -> Iterator[list[IncidentRecord]]:
        """PagerDuty has no filter by id: one GET each. Whatever service the incident is in now
        (see the module's docstring); a 404 is skipped, for the reconciliation to flag."""
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

    def _pages(
        self, params: dict[str, Any], *, sort_by: str = "created_at:asc"
    ) -> Iterator[tuple[list[IncidentRecord], bool]]:
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
                    "sort_by": sort_by,
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


def open_client(
    connection: Connection, *, max_attempts: int = 5, deadline: float | None = None
) -> PagerDutyClient:
    """A client with the connection's credentials: its API key, or for OAuth a bearer token
    refreshed first when it is about to expire (which may raise UpstreamError)."""
    if connection.auth_method == "oauth":
        # Imported here: the OAuth module is only needed by OAuth connections.
        from integrations.providers.pagerduty.oauth import access_token_for

        token = access_token_for(connection)
        return PagerDutyClient(
            region=connection.region,
            access_token=token,
            max_attempts=max_attempts,
            deadline=deadline,
        )
    # A missing key is sent empty: PagerDuty's 401 then asks the admin for a new one.
    api_key = str(connection.get_credentials().get("api_key") or "")
    return PagerDutyClient(
        region=connection.region, api_key=api_key, max_attempts=max_attempts, deadline=deadline
    )


def open_source(
    connection: Connection, *, stats: CallStats, sleep: Callable[[float], None] | None = None
) -> PagerDutyIncidentSource:
    client = open_client(connection)
    client.session.stats = stats
    if sleep is not None:
        client.session.sleep = sleep
    return PagerDutyIncidentSource(client, service_ids=connection.service_ids or ())


def describe_error(
    error: UpstreamError, *, connection: Connection | None = None
) -> tuple[str, str]:
    if connection is not None and connection.auth_method == "oauth":
        result = failure(error, wording=OAUTH_SYNC_WORDING)
        if result.action == ErrorAction.REENTER_KEY:  # there is no key: the admin signs in again
            return result.message, ErrorAction.RECONNECT
    else:
        result = failure_for_error(error)
    return result.message, result.action
