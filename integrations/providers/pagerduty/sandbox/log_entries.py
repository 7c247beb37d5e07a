"""`GET /incidents/{id}/log_entries` (reference/pagerduty-api.md §3.3): an incident's log,
derived from it as it is now (not stored) and from its notes, so the same incident always has
the same entries and one acknowledged or resolved later gains them then.

Classic paging (`limit`, `offset`, `more`, `total`, with the 10,000 cap) and the usual 400 for a
parameter out of range; `is_overview=true` keeps the important changes only; `include[]` takes
the documented values. Guess: upstream's order is unconfirmed; newest first here, as its web
page lists them. Guess: a note's entry carries its text as `channel.summary`. The entries are
those the incident's present state tells (trigger, acknowledgement while it lasts, notes,
resolution): routing entries (assign, notify) are left out.
"""

from __future__ import annotations

import random
from typing import Any, Final

from integrations.providers.pagerduty.sandbox.data import ID_CHARS, Record, reference
from integrations.providers.pagerduty.sandbox.params import paged, read_page, set_param
from integrations.providers.pagerduty.sandbox.store import PagerDutyStore
from integrations.sandbox.wsgi import Request

INCLUDES: Final = ("incidents", "services", "channels", "teams")
# The entries `is_overview=true` leaves out (routing, not a change of the incident).
DETAIL_ONLY: Final = ("assign_log_entry", "notify_log_entry", "annotate_log_entry")


def _entry_id(seed: int, incident: Record, kind: str, index: int) -> str:
    rng = random.Random(f"pagerduty-log:{seed}:{incident['id']}:{kind}:{index}")
    return "R" + "".join(rng.choices(ID_CHARS, k=25))


def incident_log_entries(store: PagerDutyStore, incident: Record) -> list[Record]:
    """Its log entries, oldest first."""
    seed = store.dataset.seed
    api = incident["self"].rsplit("/incidents/", 1)[0]
    raw: list[tuple[str, str, str, Record, dict[str, Any]]] = [
        (
            incident["created_at"],
            "trigger_log_entry",
            "Triggered through the API.",
            incident["service"],
            {"channel": {"type": "api"}},
        )
    ]
    for ack in incident["acknowledgements"]:
        who = ack["acknowledger"]
        raw.append(
            (ack["at"], "acknowledge_log_entry", f"Acknowledged by {who['summary']}.", who, {})
        )
    for note in store.notes(incident):
        raw.append(
            (
                note["created_at"],
                "annotate_log_entry",
                "Note added",
                note["user"],
                {"channel": {"type": "note", "summary": note["content"]}},
            )
        )
    if incident["status"] == "resolved" and incident["resolved_at"]:
        who = incident["last_status_change_by"]
        raw.append(
            (
                incident["resolved_at"],
                "resolve_log_entry",
                f"Resolved by {who['summary']}.",
                who,
                {},
            )
        )
    raw.sort(key=lambda item: item[0])
    entries = []
    for index, (at, kind, summary, agent, extra) in enumerate(raw):
        entry_id = (
            incident["first_trigger_log_entry"]["id"]
            if kind == "trigger_log_entry"
            else _entry_id(seed, incident, kind, index)
        )
        entries.append(
            {
                "id": entry_id,
                "type": kind,
                "summary": summary,
                "self": f"{api}/log_entries/{entry_id}",
                "html_url": f"{incident['html_url']}/log_entries/{entry_id}",
                "created_at": at,
                "channel": {"type": "api"},
                "agent": agent,
                "service": incident["service"],
                "incident": reference(incident),
                "teams": incident["teams"],
                "contexts": [],
                "event_details": {},
                **extra,
            }
        )
    return entries


class LogEntryRoutes:
    def __init__(self, store: PagerDutyStore) -> None:
        self.store = store

    def list_log_entries(self, request: Request, incident: Record) -> dict[str, Any]:
        page = read_page(request)
        set_param(request, "include", INCLUDES)
        entries = incident_log_entries(self.store, incident)
        if (request.arg("is_overview") or "").lower() == "true":
            entries = [entry for entry in entries if entry["type"] not in DETAIL_ONLY]
        return paged("log_entries", list(reversed(entries)), page)
