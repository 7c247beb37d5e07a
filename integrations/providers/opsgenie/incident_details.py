"""Fetch: what hangs off one OpsGenie incident (reference/opsgenie-api.md §3.4): its notes
(``GET /v1/incidents/{id}/notes``), its activity log (``/logs``) and its timeline
(``GET /v2/incident-timelines/{id}/entries``), as canonical incident entries.

Notes and logs are read oldest first, 100 a page, following ``paging.next`` (whose ``offset`` is
the key of the last item read, so entries added while we page never shift one past us); the
timeline pages by the opaque ``nextOffset`` its answer gives. Reading one incident costs at
least three calls, which is why the sync reads at most ``incidents_per_run()`` a run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from integrations.http import ErrorKind, UpstreamError
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
from integrations.providers.opsgenie.client import OpsgenieClient
from integrations.records import parse_upstream_time

PAGE_SIZE = 100  # OpsGenie's largest page
# A listing beyond this many pages (10,000 entries) is not read further.
MAX_PAGES = 100


class OpsgenieIncidentDetails:
    """The incident details stream's reader: one incident's notes, log and timeline."""

    def __init__(self, client: OpsgenieClient) -> None:
        self.client = client

    def __call__(self, upstream_id: str) -> IncidentDetailsRecord:
        key = quote(upstream_id, safe="")
        path = f"{self.client.base_url}/v1/incidents/{key}"
        try:
            notes = list(self._keyed(f"{path}/notes", note_entry))
        except UpstreamError as error:
            if error.status == 404:  # deleted upstream since it was listed
                return IncidentDetailsRecord(upstream_id=upstream_id, found=False)
            raise
        logs = list(self._keyed(f"{path}/logs", log_entry))
        timeline = list(self._timeline(f"{self.client.base_url}/v2/incident-timelines/{key}"))
        return IncidentDetailsRecord(
            upstream_id=upstream_id, found=True, entries=(*notes, *logs, *timeline)
        )

    def _keyed(self, url: str, parse: Callable[[Any], IncidentEntry | None]) -> Iterator[Any]:
        params: dict[str, Any] | None = {
            "identifierType": "id",
            "limit": PAGE_SIZE,
            "order": "asc",
            "direction": "next",
        }
        next_url: str | None = url
        for _page in range(MAX_PAGES):
            if next_url is None:
                break
            body = self.client.session.get_json(next_url, params=params, require="data").data
            if not isinstance(body["data"], list):
                raise UpstreamError(ErrorKind.MALFORMED, message="an incident's list is not a list")
            yield from (e for e in (parse(raw) for raw in body["data"]) if e is not None)
            following = self.client.next_link(body)
            # A link that does not move on would loop forever: the listing ends there.
            next_url, params = (following if following != next_url else None), None

    def _timeline(self, url: str) -> Iterator[IncidentEntry]:
        offset: str | None = None
        for _page in range(MAX_PAGES):
            params: dict[str, Any] = {"limit": PAGE_SIZE, "order": "asc"}
            if offset:
                params["offset"] = offset
            # Its `data` is an object holding the list (not the list itself, as elsewhere).
            body = self.client.session.get_json(f"{url}/entries", params=params).data
            data = body.get("data") if isinstance(body, dict) else None
            entries = data.get("entries") if isinstance(data, dict) else None
            if not isinstance(entries, list):
                raise UpstreamError(ErrorKind.MALFORMED, message="a timeline without its entries")
            yield from (e for e in (timeline_entry(raw) for raw in entries) if e is not None)
            following = data.get("nextOffset")
            if not isinstance(following, str) or not following or following == offset:
                break
            offset = following


def _keyed_entry(raw: Any, kind: EntryKind, text_field: str) -> IncidentEntry | None:
    """A note or log item; None for one without its key (it could not be told apart)."""
    if not isinstance(raw, dict) or not bounded(raw.get("offset"), MAX_KEY):
        return None
    return IncidentEntry(
        kind=kind,
        key=bounded(raw["offset"], MAX_KEY),
        author=bounded(raw.get("owner"), MAX_AUTHOR),
        at=parse_upstream_time(raw.get("createdAt")),
        text=bounded(raw.get(text_field), MAX_TEXT),
        type=bounded(raw.get("type"), MAX_TYPE),
        raw=raw,
    )


def note_entry(raw: Any) -> IncidentEntry | None:
    return _keyed_entry(raw, EntryKind.NOTE, "note")


def log_entry(raw: Any) -> IncidentEntry | None:
    return _keyed_entry(raw, EntryKind.LOG, "log")


def _content(value: Any) -> str:
    return bounded(value.get("content"), MAX_TEXT) if isinstance(value, dict) else ""


def timeline_entry(raw: Any) -> IncidentEntry | None:
    """``{id, group, type, eventTime, hidden, actor{name}, title{content}, description{...}}``:
    its title and description read as one text."""
    if not isinstance(raw, dict) or not bounded(raw.get("id"), MAX_KEY):
        return None
    actor = raw.get("actor") if isinstance(raw.get("actor"), dict) else {}
    title, description = _content(raw.get("title")), _content(raw.get("description"))
    return IncidentEntry(
        kind=EntryKind.TIMELINE,
        key=bounded(raw["id"], MAX_KEY),
        author=bounded(actor.get("name"), MAX_AUTHOR),
        at=parse_upstream_time(raw.get("eventTime")),
        text=": ".join(part for part in (title, description) if part)[:MAX_TEXT],
        type=bounded(raw.get("type"), MAX_TYPE),
        raw=raw,
    )
