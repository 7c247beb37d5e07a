"""`GET /v1/incidents/{identifier}/notes` and `/logs`, and the v2 incident timeline
`GET /v2/incident-timelines/{identifier}/entries` (reference §3.4).

Notes and logs are paged by key as an alert's are (`alert_detail_api.keyed_page`): `offset` is
the key of an item already read, `direction` next or prev, `limit` 1..100 (20 by default),
`order` desc by default. The timeline answers `data{entries[], nextOffset}`: `offset` is the
opaque `nextOffset` of the page before (Guess: its shape is unconfirmed; here the position),
which is left out on the last page. Every one answers 404 for an unknown incident and 422 for a
parameter out of range, with upstream's error bodies; the app checks the key may read incidents.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from integrations.providers.opsgenie.sandbox.alert_detail_api import keyed_page, unprocessable
from integrations.providers.opsgenie.sandbox.data import Record
from integrations.providers.opsgenie.sandbox.incident_details import (
    NOT_FOUND,
    Account,
    incident_logs,
    incident_notes,
    incident_timeline,
)
from integrations.providers.opsgenie.sandbox.paging import MAX_LIMIT
from integrations.providers.opsgenie.sandbox.store import OpsGenieStore
from integrations.sandbox.wsgi import HttpProblem, Request

TIMELINE_DEFAULT_LIMIT: Final = 20  # Guess: the timeline's default page size is unconfirmed
Handler = Callable[..., dict[str, Any]]


class IncidentDetailApi:
    def __init__(self, store: OpsGenieStore) -> None:
        self.store = store

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", "/v1/incidents/{identifier}/notes", self.notes),
            ("GET", "/v1/incidents/{identifier}/logs", self.logs),
            ("GET", "/v2/incident-timelines/{identifier}/entries", self.timeline),
        ]

    def _account(self) -> Account:
        dataset = self.store.dataset
        with self.store.lock:
            return Account(
                usernames=[user["username"] for user in dataset.users],
                services={service["id"]: service["name"] for service in dataset.services},
            )

    def _incident(self, request: Request, identifier: str, *, kinds: tuple[str, ...]) -> Record:
        kind = (request.arg("identifierType") or "id").lower()
        if kind not in kinds:
            raise unprocessable(
                {"identifierType": f"Identifier type should be one of [{', '.join(kinds)}]"}
            )
        incident = self.store.incident(identifier, tiny=kind == "tiny")
        if incident is None:
            # Guess: the exact 404 wording is unconfirmed upstream (as for GET /v1/incidents/{id}).
            raise HttpProblem(404, {"message": NOT_FOUND.format(kind=kind, identifier=identifier)})
        return incident

    def notes(self, request: Request, identifier: str) -> dict[str, Any]:
        incident = self._incident(request, identifier, kinds=("id", "tiny"))
        return keyed_page(request, incident_notes(incident, self._account()))

    def logs(self, request: Request, identifier: str) -> dict[str, Any]:
        incident = self._incident(request, identifier, kinds=("id", "tiny"))
        return keyed_page(request, incident_logs(incident, self._account()))

    def timeline(self, request: Request, identifier: str) -> dict[str, Any]:
        incident = self._incident(request, identifier, kinds=("id",))
        errors: dict[str, str] = {}
        limit = _number(request, "limit", TIMELINE_DEFAULT_LIMIT, errors)
        if "limit" not in errors and not 1 <= limit <= MAX_LIMIT:
            errors["limit"] = f"Limit should be between 1 and {MAX_LIMIT}."
        start = _number(request, "offset", 0, errors)
        if "offset" not in errors and start < 0:
            errors["offset"] = "Offset is not valid."
        order = (request.arg("order") or "desc").lower()
        if order not in ("asc", "desc"):
            errors["order"] = "Order should be one of [asc, desc]."
        if errors:
            raise unprocessable(errors)
        entries = incident_timeline(incident, self._account())
        if (request.arg("discardHidden") or "").lower() == "true":
            entries = [entry for entry in entries if not entry["hidden"]]
        group = request.arg("group")
        if group:
            entries = [entry for entry in entries if entry["group"] == group]
        listed = entries if order == "asc" else list(reversed(entries))
        data: dict[str, Any] = {"entries": listed[start : start + limit]}
        if start + limit < len(listed):
            data["nextOffset"] = str(start + limit)
        return {"data": data}


def _number(request: Request, name: str, default: int, errors: dict[str, str]) -> int:
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        errors[name] = (
            f"{name.capitalize()} should be a number."
            if name == "limit"
            else ("Offset is not valid.")
        )
        return default
