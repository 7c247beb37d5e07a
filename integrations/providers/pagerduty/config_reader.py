"""Fetch: PagerDuty's on-call configuration as snapshot streams for the Data library, each one
whole listing a run, yielded as canonical ``ConfigRecord``s (``config_mapping``;
reference/pagerduty-api.md §4, §5.1).

Calls per run, a hundred objects a page: teams 1 + one per team (its members, embedded in the
team's record), escalation policies 1, schedules 1, on-calls one per schedule (its final
schedule rendered for the next 14 days, read from ``GET /schedules/{id}?since&until``: who is
on call turn by turn, kept like OpsGenie's on-call timelines), business services 1.

A key or token that may not read one of them (403, or 402 when the account's plan lacks the
ability) skips that stream with what it needs said; the others and the incidents sync on.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.utils import timezone

from integrations.config_records import ConfigRecord
from integrations.http import ErrorKind, UpstreamError
from integrations.providers.pagerduty.client import PagerDutyClient
from integrations.providers.pagerduty.config_mapping import (
    BUSINESS_SERVICES,
    ON_CALLS,
    POLICIES,
    SCHEDULES,
    TEAMS,
    config_record,
)
from integrations.records import ListingTruncated

PAGE_SIZE = 100  # PagerDuty's largest page
OFFSET_CAP = 10_000  # offset + limit may not exceed it (reference §5.1)
ON_CALL_WINDOW = timedelta(days=14)
# What each stream needs from the credentials (said when a read is refused).
NEEDS = {
    TEAMS: "the teams.read scope, on a plan with teams",
    POLICIES: "the escalation_policies.read scope",
    SCHEDULES: "the schedules.read scope",
    ON_CALLS: "the schedules.read scope",
    BUSINESS_SERVICES: "the services.read scope, on a plan with business services",
}


def offset_pages(
    client: PagerDutyClient,
    collection: str,
    params: dict[str, Any] | None = None,
    *,
    key: str = "",
) -> Iterator[list[Any]]:
    """A whole classic-paged listing, a page at a time, up to PagerDuty's 10,000 cap; a 402
    (the plan lacks the ability) is read as a refusal, so only this stream is skipped."""
    offset, key = 0, key or collection
    url = f"{client.base_url}/{collection}"
    while True:
        query = {**(params or {}), "limit": PAGE_SIZE, "offset": offset}
        try:
            body = client.session.get_json(url, params=query, require=key).data
        except UpstreamError as error:
            if error.kind == ErrorKind.PAYMENT_REQUIRED:
                raise UpstreamError(
                    ErrorKind.FORBIDDEN, status=402, message=error.message, code=error.code
                ) from error
            raise
        yield body[key]
        offset += PAGE_SIZE
        if not body.get("more"):
            return
        if offset + PAGE_SIZE > OFFSET_CAP:
            raise ListingTruncated(f"more than 10,000 {collection}")


def _items(page: list[Any]) -> list[dict[str, Any]]:
    for item in page:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise UpstreamError(ErrorKind.MALFORMED, message="an object without its id")
    return page


def _records(kind: str, page: list[Any]) -> list[ConfigRecord]:
    """The ``kind`` stream's items in canonical form (``config_mapping``)."""
    return [config_record(kind, item["id"], item) for item in _items(page)]


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class PagerDutyConfig:
    """The readers of the configuration streams, for one run."""

    def __init__(self, client: PagerDutyClient) -> None:
        self.client = client
        self._schedules: list[ConfigRecord] | None = None

    def teams(self) -> Iterator[list[ConfigRecord]]:
        """Each team with ``members`` ([{user, role}], from ``/teams/{id}/members``)."""
        for page in offset_pages(self.client, "teams"):
            for team in _items(page):
                path = f"teams/{quote(team['id'], safe='')}/members"
                members = [
                    m for part in offset_pages(self.client, path, key="members") for m in part
                ]
                team["members"] = members
            yield _records(TEAMS, page)

    def escalation_policies(self) -> Iterator[list[ConfigRecord]]:
        for page in offset_pages(self.client, "escalation_policies", {"sort_by": "name"}):
            yield _records(POLICIES, page)

    def schedules(self) -> Iterator[list[ConfigRecord]]:
        read: list[ConfigRecord] = []
        for page in offset_pages(self.client, "schedules"):
            records = _records(SCHEDULES, page)
            read += records
            yield records
        self._schedules = read

    def on_calls(self) -> Iterator[list[ConfigRecord]]:
        """One record per schedule: who is on call from now to 14 days on (its final
        schedule), with the window it covers."""
        schedules = self._schedules
        if schedules is None:
            schedules = [
                r
                for page in offset_pages(self.client, "schedules")
                for r in _records(SCHEDULES, page)
            ]
        # From today 00:00 UTC: the window moves once a day, so a resync the same day that
        # finds the same people on call writes nothing.
        since = timezone.now().astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        window = {"since": iso(since), "until": iso(since + ON_CALL_WINDOW), "time_zone": "UTC"}
        records = []
        for schedule in schedules:
            path = f"/schedules/{quote(schedule.upstream_id, safe='')}"
            body = self.client.get(path, params=window)
            detail = body.get("schedule") if isinstance(body, dict) else None
            if not isinstance(detail, dict):
                raise UpstreamError(ErrorKind.MALFORMED, message="a schedule answer without it")
            final = detail.get("final_schedule")
            raw = {
                "_parent": {"id": schedule.upstream_id, "name": schedule.raw.get("name")},
                "since": window["since"],
                "until": window["until"],
                "final_schedule": final if isinstance(final, dict) else {},
            }
            records.append(config_record(ON_CALLS, schedule.upstream_id, raw))
            if len(records) == PAGE_SIZE:
                yield records
                records = []
        if records:
            yield records

    def business_services(self) -> Iterator[list[ConfigRecord]]:
        for page in offset_pages(self.client, "business_services"):
            yield _records(BUSINESS_SERVICES, page)
