"""Fetch: PagerDuty's streams page by page, in the shapes the sync engine asks for.

Its streams: **services** (a snapshot, read first, so the service-selection page is current),
**incidents** (incremental), **incident details** (the notes and log entries of each incident
created or changed, a bounded number a run), the on-call configuration and **accounts** (a
snapshot of the users with their teams, read last, so credentials that may not read them never
delay the incidents).

Incident listings are sorted by created_at ascending and read by keyset
(``integrations.sync.keyset``): each page asks for ``since`` the last created_at seen (a second
earlier: PagerDuty's times are whole seconds and whether ``since`` is inclusive is
unconfirmed), within PagerDuty's 6-month maximum window (§3.1). Incidents deleted or created
while we page never make the scan skip one, and offsets never near the 10,000 cap (§5.1).

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
from integrations.incident_entry_records import INCIDENT_DETAILS, incidents_per_run
from integrations.models import Connection, ErrorAction
from integrations.providers.pagerduty.client import PagerDutyClient
from integrations.providers.pagerduty.config_reader import NEEDS, PagerDutyConfig, offset_pages
from integrations.providers.pagerduty.incident_details import PagerDutyIncidentDetails
from integrations.providers.pagerduty.mapping import (
    account_record,
    incident_record,
    service_record,
)
from integrations.providers.pagerduty.validation import OAUTH_SYNC_WORDING, failure_for_error
from integrations.records import AccountRecord, IncidentRecord, ServiceRecord
from integrations.sync.keyset import keyset_pages
from integrations.sync.streams import (
    ACCOUNTS,
    ServicesAndIncidentsSource,
    Stream,
    details,
    snapshot,
)
from integrations.validation import failure

PAGE_SIZE = 100  # PagerDuty's largest page
OFFSET_CAP = 10_000  # offset + limit may not exceed it (services are listed by offset)
# The maximum since/until span is "6 months" (unconfirmed whether 180 days or calendar months).
MAX_WINDOW = timedelta(days=180)
CREATED_OVERLAP = timedelta(minutes=10)
# Whole-second times and a `since` that may or may not include its own second.
BOUNDARY_OVERLAP = timedelta(seconds=1)
OPEN_STATUSES = ("triggered", "acknowledged")
# Below this many, one GET each is cheaper than any listing.
LISTING_FROM = 3


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class PagerDutyIncidentSource(ServicesAndIncidentsSource):
    """The incidents reader (an IncrementalReader) and the services reader in one."""

    def __init__(self, client: PagerDutyClient, *, service_ids: Sequence[str] = ()) -> None:
        super().__init__(client)
        # The incident services the admin picked; empty means all.
        self.filters: dict[str, Any] = {"service_ids[]": list(service_ids)} if service_ids else {}
        self.config = PagerDutyConfig(client)

    def scan_all(self, *, after: datetime | None = None) -> Iterator[list[IncidentRecord]]:
        return self._listing({}, start=after)

    def created_since(self, moment: datetime) -> Iterator[list[IncidentRecord]]:
        return self._listing({}, start=moment - CREATED_OVERLAP)

    def still_open(self) -> Iterator[list[IncidentRecord]]:
        return self._listing({"statuses[]": list(OPEN_STATUSES)}, start=None)

    def streams(self) -> list[Stream]:
        config = self.config
        return [
            *super().streams(),
            # Each incident created or changed above: its notes and log entries (bounded).
            details(
                INCIDENT_DETAILS, PagerDutyIncidentDetails(self.client), per_run=incidents_per_run()
            ),
            # The on-call configuration for the Data library (config_reader).
            snapshot("pagerduty_teams", config.teams, needs=NEEDS["pagerduty_teams"]),
            snapshot(
                "escalation_policies",
                config.escalation_policies,
                needs=NEEDS["escalation_policies"],
            ),
            snapshot("pagerduty_schedules", config.schedules, needs=NEEDS["pagerduty_schedules"]),
            snapshot("pagerduty_on_calls", config.on_calls, needs=NEEDS["pagerduty_on_calls"]),
            snapshot(
                "business_services", config.business_services, needs=NEEDS["business_services"]
            ),
            # Last, as OpsGenie's: read only for a critical system (the access app decides).
            snapshot(ACCOUNTS, self.accounts),
        ]

    def services(self) -> Iterator[list[ServiceRecord]]:
        """Every service of the account, by name (reference §4.1); 403 without services.read."""
        pages = self._offset_listing("services", {"sort_by": "name"})
        return ([service_record(raw) for raw in page] for page in pages)

    def accounts(self) -> Iterator[list[AccountRecord]]:
        """Every user of the account with the teams they are in, embedded by ``include[]=teams``
        (reference §4.2): one call per hundred users, none per team. 403 without users.read."""
        pages = self._offset_listing("users", {"include[]": "teams"})
        return ([account_record(raw) for raw in page] for page in pages)

    def _offset_listing(self, collection: str, params: dict[str, Any]) -> Iterator[list[Any]]:
        """A whole classic-paged listing, a page at a time, up to PagerDuty's 10,000 cap."""
        return offset_pages(self.client, collection, params)

    def no_longer_open(self, upstream_ids: Sequence[str]) -> Iterator[list[IncidentRecord]]:
        """Incidents we hold as open that the open listing no longer returns.

        Nearly all were resolved since the last sync, so they top the resolved incidents sorted
        by resolved_at, newest first: read that listing while it keeps finding them, at most one
        page per two ids still missing (so the worst case costs half again as many calls as
        one GET each). The rest (deleted, or of a service no longer picked) are read by id."""
        wanted = set(upstream_ids)
        if len(wanted) >= LISTING_FROM:
            params = {"date_range": "all", "statuses[]": ["resolved"]}
            found_any, offset, pages = False, 0, 0
            while True:
                page, more = self._page(params, offset=offset, sort_by="resolved_at:desc")
                pages, offset = pages + 1, offset + PAGE_SIZE
                hits = [record for record in page if record.upstream_id in wanted]
                if hits:
                    found_any = True
                    wanted.difference_update(record.upstream_id for record in hits)
                    yield hits
                # Whatever this listing misses is read by id below: it may stop at any time.
                done = not wanted or not more or offset + PAGE_SIZE > OFFSET_CAP
                if done or (found_any and not hits) or 2 * pages >= len(wanted):
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
        self, params: dict[str, Any], *, start: datetime | None
    ) -> Iterator[list[IncidentRecord]]:
        def fetch(lower: datetime | None, offset: int) -> tuple[list[IncidentRecord], bool]:
            if lower is None:
                return self._page({**params, "date_range": "all"}, offset=offset)
            # Windows of at most six months: a window read to its end before the present goes
            # on into the next, so the key only ever moves on records actually seen.
            collected: list[IncidentRecord] = []
            since = lower
            while True:
                until = min(since + MAX_WINDOW, timezone.now() + timedelta(days=1))
                window = {**params, "since": iso(since), "until": iso(until)}
                records, more = self._page(window, offset=offset)
                collected += records
                if more or until >= timezone.now():
                    return collected, more
                if len(collected) >= PAGE_SIZE:
                    return collected, True
                since, offset = until, 0

        return keyset_pages(fetch, start=start, overlap=BOUNDARY_OVERLAP)

    def _page(
        self, params: dict[str, Any], *, offset: int, sort_by: str = "created_at:asc"
    ) -> tuple[list[IncidentRecord], bool]:
        query = {**self.filters, **params, "limit": PAGE_SIZE, "offset": offset, "sort_by": sort_by}
        body = self.client.session.get_json(
            f"{self.client.base_url}/incidents", params=query, require="incidents"
        ).data
        return [incident_record(raw) for raw in body["incidents"]], bool(body.get("more"))


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
) -> ServicesAndIncidentsSource:
    source = PagerDutyIncidentSource(
        open_client(connection), service_ids=connection.service_ids or ()
    )
    return source.counted(stats=stats, sleep=sleep)


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
