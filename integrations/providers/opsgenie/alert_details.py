"""Fetch: what hangs off one OpsGenie alert (reference/opsgenie-api.md §4.3) — its activity log
(``GET /v2/alerts/{id}/logs``), its notes (``/notes``) and its recipients (``/recipients``).

Logs and notes are read oldest first, 100 a page, following ``paging.next`` (whose ``offset``
is the key of the last item read, so entries added while we page never shift one past us).
Reading one alert costs at least three calls, which is why the sync reads at most
``ALERTS_PER_RUN`` alerts' details a run (``integrations.sync.details``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from django.conf import settings

from integrations.alert_detail_records import (
    MAX_KIND,
    MAX_NAME,
    MAX_OFFSET_KEY,
    MAX_TEXT,
    AlertDetailsRecord,
    AlertLogEntry,
    AlertNoteEntry,
    AlertRecipientEntry,
)
from integrations.http import ErrorKind, UpstreamError
from integrations.providers.opsgenie.client import OpsgenieClient
from integrations.records import parse_upstream_time

# At most this many alerts have their details read in one run, oldest waiting first: at three
# calls or more an alert, 200 alerts are ~600 calls, about what the rest of a scheduled run
# costs at most, and well inside OpsGenie's per-minute rate limits. The others wait for the
# next run (every 30 minutes at the most frequent), so a backlog of 10,000 alerts after the
# first sync is read over a few days without ever slowing the incidents down.
ALERTS_PER_RUN = 200
PAGE_SIZE = 100  # OpsGenie's largest page
# An alert's log beyond this many pages (10,000 entries) is not read further.
MAX_PAGES = 100

Entry = TypeVar("Entry")


def alerts_per_run() -> int:
    """The bound: ALERTS_PER_RUN, unless the settings say otherwise (the tests' do)."""
    return int(getattr(settings, "OPSGENIE_ALERT_DETAILS_PER_RUN", ALERTS_PER_RUN))


class OpsgenieAlertDetails:
    """The alert details stream's reader: one alert's logs, notes and recipients."""

    def __init__(self, client: OpsgenieClient) -> None:
        self.client = client

    def __call__(self, upstream_id: str) -> AlertDetailsRecord:
        path = f"{self.client.base_url}/v2/alerts/{quote(upstream_id, safe='')}"
        try:
            logs = self._keyed(f"{path}/logs", log_entry)
        except UpstreamError as error:
            if error.status == 404:  # deleted upstream since it was listed
                return AlertDetailsRecord(upstream_id=upstream_id, found=False)
            raise
        notes = self._keyed(f"{path}/notes", note_entry)
        body = self._get(f"{path}/recipients", {"identifierType": "id"})
        recipients = tuple(recipient_entry(raw) for raw in body["data"])
        return AlertDetailsRecord(
            upstream_id=upstream_id,
            found=True,
            logs=logs,
            notes=notes,
            recipients=tuple({r.user_id: r for r in recipients if r.user_id}.values()),
        )

    def _keyed(self, url: str, parse: Callable[[Any], Entry | None]) -> tuple[Entry, ...]:
        params: dict[str, Any] | None = {
            "identifierType": "id",
            "limit": PAGE_SIZE,
            "order": "asc",
            "direction": "next",
        }
        entries: list[Entry] = []
        next_url: str | None = url
        for _page in range(MAX_PAGES):
            if next_url is None:
                break
            body = self._get(next_url, params)
            entries.extend(e for e in (parse(raw) for raw in body["data"]) if e is not None)
            following = self.client.next_link(body)
            # A link that does not move on would loop forever: the listing ends there.
            next_url, params = (following if following != next_url else None), None
        return tuple(entries)

    def _get(self, url: str, params: dict[str, Any] | None) -> dict[str, Any]:
        body = self.client.session.get_json(url, params=params, require="data").data
        if not isinstance(body["data"], list):
            raise UpstreamError(ErrorKind.MALFORMED, message="an alert detail list is not a list")
        return body


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def log_entry(raw: Any) -> AlertLogEntry | None:
    """A log item; None for one without its key (it could not be told apart from another)."""
    if not isinstance(raw, dict) or not _text(raw.get("offset"), MAX_OFFSET_KEY):
        return None
    return AlertLogEntry(
        offset=_text(raw["offset"], MAX_OFFSET_KEY),
        log=_text(raw.get("log"), MAX_TEXT),
        type=_text(raw.get("type"), MAX_KIND),
        owner=_text(raw.get("owner"), MAX_NAME),
        created_at=parse_upstream_time(raw.get("createdAt")),
    )


def note_entry(raw: Any) -> AlertNoteEntry | None:
    if not isinstance(raw, dict) or not _text(raw.get("offset"), MAX_OFFSET_KEY):
        return None
    return AlertNoteEntry(
        offset=_text(raw["offset"], MAX_OFFSET_KEY),
        note=_text(raw.get("note"), MAX_TEXT),
        owner=_text(raw.get("owner"), MAX_NAME),
        created_at=parse_upstream_time(raw.get("createdAt")),
    )


def recipient_entry(raw: Any) -> AlertRecipientEntry:
    raw = raw if isinstance(raw, dict) else {}
    user = raw.get("user") if isinstance(raw.get("user"), dict) else {}
    return AlertRecipientEntry(
        user_id=_text(user.get("id"), MAX_NAME) or _text(user.get("username"), MAX_NAME),
        username=_text(user.get("username"), MAX_NAME),
        state=_text(raw.get("state"), MAX_KIND),
        method=_text(raw.get("method"), MAX_KIND),
        aware=raw.get("aware") is True,
        created_at=parse_upstream_time(raw.get("createdAt")),
        updated_at=parse_upstream_time(raw.get("updatedAt")),
    )
