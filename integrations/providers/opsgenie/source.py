"""Fetch: OpsGenie's streams, page by page, in the shapes the sync engine asks for.

Its streams: **services** (a snapshot, read first: their names label the incidents),
**incidents** (incremental), **incident details** (the notes, log and timeline of each incident
created or changed, a bounded number a run: ``incident_details``), **alerts** (incremental,
``alert_reader``), **alert details** (the logs, notes and recipients of each alert created or
changed, a bounded number a run: ``alert_details``), the configuration objects
(``config_reader``) and **accounts** (a snapshot of the users with their teams, read last, so a
key that may not read them never delays the incidents).

Every incident listing is sorted by createdAt ascending and read by keyset
(``integrations.sync.keyset``): each page asks for ``createdAt>=`` the last one seen (epoch
milliseconds, reference §3.5), so incidents deleted or created while we page never make the scan
skip one, and no listing ever nears OpsGenie's offset cap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from integrations.http import CallStats, UpstreamError
from integrations.incident_entry_records import INCIDENT_DETAILS, incidents_per_run
from integrations.models import Connection
from integrations.providers.opsgenie.alert_details import OpsgenieAlertDetails, alerts_per_run
from integrations.providers.opsgenie.alert_reader import OpsgenieAlerts
from integrations.providers.opsgenie.client import OpsgenieClient
from integrations.providers.opsgenie.config_reader import NEEDS, OpsgenieConfig
from integrations.providers.opsgenie.incident_details import OpsgenieIncidentDetails
from integrations.providers.opsgenie.mapping import (
    account_record,
    incident_record,
    service_record,
)
from integrations.providers.opsgenie.parents_reader import OpsgenieParents
from integrations.providers.opsgenie.rules_reader import OpsgenieRules
from integrations.providers.opsgenie.validation import failure_for_error
from integrations.records import AccountRecord, IncidentRecord, ServiceRecord
from integrations.sync.keyset import keyset_pages
from integrations.sync.streams import (
    ACCOUNTS,
    ServicesAndIncidentsSource,
    Stream,
    details,
    incremental_by_update,
    snapshot,
)

PAGE_SIZE = 100  # OpsGenie's largest page
IDS_PER_QUERY = 50
# The stream of the alerts' logs, notes and recipients (its store is the alerts app's).
ALERT_DETAILS = "alert_details"
# Incidents can become visible to the API a little after their createdAt.
CREATED_OVERLAP = timedelta(minutes=10)


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class OpsgenieSource(ServicesAndIncidentsSource):
    """The incidents reader (an IncrementalReader) and the services reader in one: the
    services listing read first in a run names the services of the incidents read after it."""

    def __init__(self, client: OpsgenieClient) -> None:
        super().__init__(client)
        # Service id → name, from this run's services listing; ids stand in without it (a key
        # limited to incidents, or a services listing that failed).
        self.service_names: dict[str, str] = {}
        # User id and username → their teams' names, read once per run (see accounts()).
        self._teams_of: dict[str, list[str]] | None = None
        # The configuration objects' readers (config_reader); the teams they read once a run
        # also give the accounts their teams.
        self.config = OpsgenieConfig(client)
        # The remaining configuration objects (rules_reader), reusing the run's teams.
        self.rules = OpsgenieRules(self.config)
        # Those read per team, schedule or service (parents_reader), and incident templates.
        self.parents = OpsgenieParents(self.rules, services=self._service_names)

    def streams(self) -> list[Stream]:
        config, rules, parents = self.config, self.rules, self.parents
        return [
            *super().streams(),
            # Each incident created or changed above: its notes, log and timeline (bounded).
            details(
                INCIDENT_DETAILS, OpsgenieIncidentDetails(self.client), per_run=incidents_per_run()
            ),
            incremental_by_update("alerts", OpsgenieAlerts(self.client, overlap=CREATED_OVERLAP)),
            # Each alert created or changed above: its logs, notes and recipients (bounded).
            details(ALERT_DETAILS, OpsgenieAlertDetails(self.client), per_run=alerts_per_run()),
            snapshot("teams", config.teams, needs=NEEDS),
            snapshot("escalations", config.escalations, needs=NEEDS),
            snapshot("schedules", config.schedules, needs=NEEDS),
            snapshot("on_calls", config.on_calls, needs=NEEDS),
            snapshot("heartbeats", config.heartbeats, needs=NEEDS),
            snapshot("integrations", config.integrations, needs=NEEDS),
            snapshot("routing_rules", rules.routing_rules, needs=NEEDS),
            snapshot("team_roles", rules.team_roles, needs=NEEDS),
            snapshot("team_logs", rules.team_logs, needs=NEEDS),
            snapshot("maintenances", rules.maintenances, needs=NEEDS),
            snapshot("custom_roles", rules.custom_roles, needs=NEEDS),
            snapshot("forwarding_rules", rules.forwarding_rules, needs=NEEDS),
            snapshot("notification_rules", rules.notification_rules, needs=NEEDS),
            snapshot("contacts", rules.contacts, needs=NEEDS),
            snapshot("alert_policies", parents.alert_policies, needs=NEEDS),
            snapshot("schedule_overrides", parents.schedule_overrides, needs=NEEDS),
            snapshot("incident_rules", parents.incident_rules, needs=NEEDS),
            snapshot("incident_templates", parents.incident_templates, needs=NEEDS),
            snapshot(ACCOUNTS, self.accounts),
        ]

    def services(self) -> Iterator[list[ServiceRecord]]:
        """Every service, following ``paging.next`` (services are few: a handful of pages)."""
        url: str | None = f"{self.client.base_url}/v1/services"
        params: dict[str, Any] | None = {"limit": PAGE_SIZE, "offset": 0}
        while url:
            body = self.client.session.get_json(url, params=params, require="data").data
            records = [service_record(raw) for raw in body["data"]]
            self.service_names.update((r.upstream_id, r.name) for r in records)
            yield records
            url, params = self._next(body), None

    def _service_names(self) -> dict[str, str]:
        """Service id → name: this run's services listing, read here if it was not read."""
        if not self.service_names:
            for _page in self.services():
                pass
        return self.service_names

    def accounts(self) -> Iterator[list[AccountRecord]]:
        """Every user, a hundred a page following ``paging.next`` (reference §5.1), with the
        names of their teams. A user's teams are not in the users listing: reading them from
        the teams' side costs one call for the list and one per team (``GET /v2/teams/{id}``
        names its members), where ``/v2/users/{id}/teams`` would cost one per user."""
        teams_of = self._teams_by_user()
        url: str | None = f"{self.client.base_url}/v2/users"
        params: dict[str, Any] | None = {"limit": PAGE_SIZE, "offset": 0}
        while url:
            body = self.client.session.get_json(url, params=params, require="data").data
            yield [account_record(raw, teams=teams_of) for raw in body["data"]]
            url, params = self._next(body), None

    def _teams_by_user(self) -> dict[str, list[str]]:
        """User id and username → the names of the teams they are in; read once per run (a
        listing read again to confirm removals reuses it)."""
        if self._teams_of is None:
            teams_of: dict[str, list[str]] = {}
            for detail in self.config.team_details():
                members = detail.get("members")
                name = str(detail.get("name") or detail.get("id"))
                for member in members if isinstance(members, list) else []:
                    user = member.get("user") if isinstance(member, dict) else None
                    if not isinstance(user, dict):
                        continue
                    for key in {user.get("id"), user.get("username")} - {None, ""}:
                        teams_of.setdefault(str(key), []).append(name)
            self._teams_of = teams_of
        return self._teams_of

    def scan_all(self, *, after: datetime | None = None) -> Iterator[list[IncidentRecord]]:
        """Every incident (from ``after`` on), oldest first, one page at a time."""
        return self._listing(query=None, start=after)

    def created_since(self, moment: datetime) -> Iterator[list[IncidentRecord]]:
        return self._listing(query=None, start=moment - CREATED_OVERLAP)

    def still_open(self) -> Iterator[list[IncidentRecord]]:
        return self._listing(query="status:open", start=None)

    def no_longer_open(self, upstream_ids: Sequence[str]) -> Iterator[list[IncidentRecord]]:
        return self.by_ids(upstream_ids)

    def by_ids(self, upstream_ids: Sequence[str]) -> Iterator[list[IncidentRecord]]:
        for start in range(0, len(upstream_ids), IDS_PER_QUERY):
            chunk = upstream_ids[start : start + IDS_PER_QUERY]
            query = " OR ".join(f"id:{_quoted(upstream_id)}" for upstream_id in chunk)
            records, _more = self._page(query, offset=0)
            yield records

    def _listing(
        self, *, query: str | None, start: datetime | None
    ) -> Iterator[list[IncidentRecord]]:
        def fetch(lower: datetime | None, offset: int) -> tuple[list[IncidentRecord], bool]:
            key = f"createdAt>={epoch_ms(lower)}" if lower is not None else None
            clauses = [clause for clause in (query, key) if clause]
            return self._page(" AND ".join(clauses), offset=offset)

        # Milliseconds on both sides and a documented ">=": the boundary needs no overlap.
        return keyset_pages(fetch, start=start)

    def _page(self, query: str, *, offset: int) -> tuple[list[IncidentRecord], bool]:
        params: dict[str, Any] = {
            "limit": PAGE_SIZE,
            "offset": offset,
            "sort": "createdAt",
            "order": "asc",
        }
        if query:
            params["query"] = query
        url = f"{self.client.base_url}/v1/incidents"
        body = self.client.session.get_json(url, params=params, require="data").data
        records = [incident_record(raw, service_names=self.service_names) for raw in body["data"]]
        return records, self._next(body) is not None

    def _next(self, body: dict[str, Any]) -> str | None:
        return self.client.next_link(body)


def _quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"'


def open_source(
    connection: Connection, *, stats: CallStats, sleep: Callable[[float], None] | None = None
) -> ServicesAndIncidentsSource:
    client = OpsgenieClient(
        api_key=connection.get_credentials()["api_key"], region=connection.region
    )
    return OpsgenieSource(client).counted(stats=stats, sleep=sleep)


def describe_error(
    error: UpstreamError, *, connection: Connection | None = None
) -> tuple[str, str]:
    failure = failure_for_error(error)
    return failure.message, failure.action
