"""Fetch: the incidents (Jira work items found by the connection's JQL), page by page, in the
shapes the sync engine asks for; then the Ops API's alerts (``alert_reader``) and configuration
(``ops_reader``), each a stream of its own that a token without an Operations role skips.

Every listing is ``GET /rest/api/3/search/jql`` paged by ``nextPageToken``, ordered by
``created ASC, id ASC``: a creation time never changes, so a work item updated while we page
keeps its place and none is skipped for it.

Jira lists work items by update time (``updated >= …``), so the incidents are read like the
alerts (``integrations.sync.watermark``): a scheduled run reads what changed since the last
good run's start, less ``UPDATED_MARGIN``, and an old incident changed since is caught by the
next scheduled sync. The first run, and a full one, read every incident.

JQL dates are minutes ("yyyy-MM-dd HH:mm") in the *user's* time zone, read from
``GET /rest/api/3/myself`` once a run; a bound is rounded down to its minute (reading a little
more, never less).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from integrations.http import CallStats, UpstreamError
from integrations.models import Connection
from integrations.providers.jsm.alert_reader import JsmAlerts
from integrations.providers.jsm.client import PAGE_SIZE, JsmClient, listing_jql
from integrations.providers.jsm.mapping import FIELDS, LABELS, CustomFields, incident_record
from integrations.providers.jsm.ops_mapping import (
    AUDIT_LOGS,
    ESCALATIONS,
    HEARTBEATS,
    INTEGRATIONS,
    ON_CALLS,
    ROUTING_RULES,
    SCHEDULES,
    TEAMS,
)
from integrations.providers.jsm.ops_reader import NEEDS_OPS, JsmOps
from integrations.providers.jsm.validation import failure_for_error, time_zone
from integrations.records import IncidentRecord
from integrations.sync.streams import Stream, StreamKind, snapshot

# How much earlier than the watermark a scheduled run reads changes from: our clock against
# Jira's, a change indexed for search a little after its ``updated`` (unconfirmed: Jira states
# no delay), and the minute the JQL date is rounded to.
UPDATED_MARGIN = timedelta(minutes=15)
# Incidents can become searchable a little after their ``created``.
CREATED_OVERLAP = timedelta(minutes=10)
IDS_PER_QUERY = 50
JQL_DATE = "%Y-%m-%d %H:%M"


def jql_date(moment: datetime, zone: str) -> str:
    """``moment`` as a JQL date in the user's time zone, rounded down to its minute."""
    return moment.astimezone(ZoneInfo(zone)).strftime(JQL_DATE)


class JsmSource:
    """The incidents stream's reader (a ChangesReader) and the engine's source."""

    def __init__(self, client: JsmClient, *, jql: str) -> None:
        self.client = client
        self.jql = jql
        self._zone: str | None = None
        self.custom = CustomFields(
            tiny_id=settings.JSM_OPSGENIE_TINY_ID_FIELD,
            alias=settings.JSM_OPSGENIE_ALIAS_FIELD,
            impact_start=settings.JSM_IMPACT_START_FIELD,
            impact_end=settings.JSM_IMPACT_END_FIELD,
        )
        self.ops = JsmOps(client)

    def counted(self, *, stats: Any, sleep: Callable[[float], None] | None) -> JsmSource:
        """Count this source's calls in the run's ``stats``; ``sleep`` replaces real waits."""
        for session in (self.client.session, self.client.anonymous):
            session.stats = stats
            if sleep is not None:
                session.sleep = sleep
        return self

    def streams(self) -> list[Stream]:
        ops = self.ops
        alerts = JsmAlerts(ops)
        return [
            Stream("incidents", StreamKind.INCREMENTAL, self, decides_status=True, by_update=True),
            Stream("alerts", StreamKind.INCREMENTAL, alerts, needs=NEEDS_OPS, by_update=True),
            snapshot(TEAMS, ops.teams, needs=NEEDS_OPS),
            snapshot(ESCALATIONS, ops.escalations, needs=NEEDS_OPS),
            snapshot(SCHEDULES, ops.schedules, needs=NEEDS_OPS),
            snapshot(ON_CALLS, ops.on_calls, needs=NEEDS_OPS),
            snapshot(HEARTBEATS, ops.heartbeats, needs=NEEDS_OPS),
            snapshot(INTEGRATIONS, ops.integrations, needs=NEEDS_OPS),
            snapshot(ROUTING_RULES, ops.routing_rules, needs=NEEDS_OPS),
            snapshot(AUDIT_LOGS, ops.audit_logs, needs=NEEDS_OPS),
        ]

    def close(self) -> None:
        self.client.close()

    # The IncrementalReader and ChangesReader methods.

    def scan_all(self, *, after: datetime | None = None) -> Iterator[list[IncidentRecord]]:
        return self._listing(self._since("created", after) if after else None)

    def created_since(self, moment: datetime) -> Iterator[list[IncidentRecord]]:
        return self._listing(self._since("created", moment - CREATED_OVERLAP))

    def changed_since(self, moment: datetime) -> Iterator[list[IncidentRecord]]:
        return self._listing(self._since("updated", moment - UPDATED_MARGIN))

    def still_open(self) -> Iterator[list[IncidentRecord]]:
        return self._listing("statusCategory != Done")

    def no_longer_open(self, upstream_ids: Sequence[str]) -> Iterator[list[IncidentRecord]]:
        return self.by_ids(upstream_ids)

    def by_ids(self, upstream_ids: Sequence[str]) -> Iterator[list[IncidentRecord]]:
        """These work items as they are now. ``id in (…)`` is refused by Jira when one of them
        no longer exists, so each batch asks for the range of its ids and keeps those asked."""
        numeric = sorted({int(i) for i in upstream_ids if i.isdigit()})
        for start in range(0, len(numeric), IDS_PER_QUERY):
            chunk = numeric[start : start + IDS_PER_QUERY]
            wanted = {str(i) for i in chunk}
            clause = f"id >= {chunk[0]} AND id <= {chunk[-1]}"
            for page in self._listing(clause):
                kept = [record for record in page if record.upstream_id in wanted]
                if kept:
                    yield kept

    def _since(self, field: str, moment: datetime) -> str:
        return f'{field} >= "{jql_date(moment, self.zone)}"'

    @property
    def zone(self) -> str:
        """The user's time zone, in which Jira reads JQL dates; read once a run."""
        if self._zone is None:
            self._zone = time_zone(self.client.myself().get("timeZone"))
        return self._zone

    def _listing(self, clause: str | None) -> Iterator[list[IncidentRecord]]:
        jql = listing_jql(self.jql, clause)
        fields = [*FIELDS, LABELS, *self.custom.requested()]
        token: str | None = None
        # A page may repeat the one before's last items (a work item created mid-listing):
        # dropped by id, holding only the last page's ids, so memory stays flat.
        seen: set[str] = set()
        while True:
            body = self.client.search(
                jql, fields=fields, max_results=PAGE_SIZE, next_page_token=token
            )
            records = [
                incident_record(raw, site_url=self.client.site_url, custom=self.custom)
                for raw in body["issues"]
            ]
            fresh = [record for record in records if record.upstream_id not in seen]
            seen = {record.upstream_id for record in records}
            if fresh:
                yield fresh
            token = body.get("nextPageToken")
            if body.get("isLast") is True or not isinstance(token, str) or not token:
                return


def open_source(
    connection: Connection, *, stats: CallStats, sleep: Callable[[float], None] | None = None
) -> JsmSource:
    credentials = connection.get_credentials()
    client = JsmClient(
        site=credentials["site"],
        email=credentials["email"],
        api_token=credentials["api_token"],
        cloud_id=credentials.get("cloud_id", ""),
    )
    return JsmSource(client, jql=credentials["jql"]).counted(stats=stats, sleep=sleep)


def describe_error(
    error: UpstreamError, *, connection: Connection | None = None
) -> tuple[str, str]:
    failure = failure_for_error(error)
    return failure.message, failure.action
