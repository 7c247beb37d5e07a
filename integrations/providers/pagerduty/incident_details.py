"""Fetch: what hangs off one PagerDuty incident (reference/pagerduty-api.md §3.3): its notes
(``GET /incidents/{id}/notes``, one answer, not paginated) and its log entries
(``GET /incidents/{id}/log_entries``, classic offset paging, 100 a page), as canonical incident
entries. Reading one incident costs two calls or more, which is why the sync reads at most
``incidents_per_run()`` a run.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from integrations.http import UpstreamError
from integrations.incident_entry_records import (
    MAX_AUTHOR,
    MAX_KEY,
    MAX_TEXT,
    MAX_TYPE,
    EntryKind,
    IncidentDetailsRecord,
    IncidentEntry,
    bounded,
)
from integrations.providers.pagerduty.client import PagerDutyClient
from integrations.providers.pagerduty.config_reader import offset_pages
from integrations.records import ListingTruncated, parse_upstream_time


class PagerDutyIncidentDetails:
    """The incident details stream's reader: one incident's notes and log entries."""

    def __init__(self, client: PagerDutyClient) -> None:
        self.client = client

    def __call__(self, upstream_id: str) -> IncidentDetailsRecord:
        path = f"incidents/{quote(upstream_id, safe='')}"
        try:
            body = self.client.session.get_json(
                f"{self.client.base_url}/{path}/notes", require="notes"
            ).data
        except UpstreamError as error:
            if error.status == 404:  # deleted upstream since it was listed
                return IncidentDetailsRecord(upstream_id=upstream_id, found=False)
            raise
        notes = [note_entry(raw) for raw in body["notes"]]
        logs: list[IncidentEntry | None] = []
        try:
            for page in offset_pages(self.client, f"{path}/log_entries", key="log_entries"):
                logs.extend(log_entry(raw) for raw in page)
        except ListingTruncated:
            pass  # more than 10,000 entries: the first 10,000 are kept, the rest unreadable
        entries = tuple(entry for entry in (*notes, *logs) if entry is not None)
        return IncidentDetailsRecord(upstream_id=upstream_id, found=True, entries=entries)


def _summary(reference: Any) -> str:
    return bounded(reference.get("summary"), MAX_AUTHOR) if isinstance(reference, dict) else ""


def note_entry(raw: Any) -> IncidentEntry | None:
    """``{id, user{summary}, content, created_at}``; None without an id."""
    if not isinstance(raw, dict) or not bounded(raw.get("id"), MAX_KEY):
        return None
    return IncidentEntry(
        kind=EntryKind.NOTE,
        key=bounded(raw["id"], MAX_KEY),
        author=_summary(raw.get("user")),
        at=parse_upstream_time(raw.get("created_at")),
        text=bounded(raw.get("content"), MAX_TEXT),
        raw=raw,
    )


def log_entry(raw: Any) -> IncidentEntry | None:
    """``{id, type, summary, agent{summary}, created_at}``; None without an id."""
    if not isinstance(raw, dict) or not bounded(raw.get("id"), MAX_KEY):
        return None
    return IncidentEntry(
        kind=EntryKind.LOG,
        key=bounded(raw["id"], MAX_KEY),
        author=_summary(raw.get("agent")),
        at=parse_upstream_time(raw.get("created_at")),
        text=bounded(raw.get("summary"), MAX_TEXT),
        type=bounded(raw.get("type"), MAX_TYPE),
        raw=raw,
    )
