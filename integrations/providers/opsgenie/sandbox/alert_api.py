"""OpsGenie's Alert API v2 (reference/opsgenie-api.md §4): create, close and acknowledge
(asynchronous: 202 and a request id), the request status, and reading alerts back.

The trap the product must avoid is emulated as upstream has it: `identifierType` defaults to
`id`, so closing by alias without `identifierType=alias` is accepted (202) and closes nothing;
only the request's status says "Alert does not exist".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from integrations.providers.opsgenie.sandbox.alert_detail_api import (
    AlertDetailApi,
    find_alert,
    identifier_type,
    unprocessable,
)
from integrations.providers.opsgenie.sandbox.alert_details import People
from integrations.providers.opsgenie.sandbox.alert_payload import action_errors, create_errors
from integrations.providers.opsgenie.sandbox.alerts import AlertStore, Caller, Record
from integrations.providers.opsgenie.sandbox.paging import page_params, paged
from integrations.providers.opsgenie.sandbox.query import QueryError, compile_query
from integrations.sandbox.wsgi import HttpProblem, Request

ACCEPTED: Final = "Request will be processed"
# Guess: upstream's answer to a body that is not JSON is unconfirmed (reference §1.3: 400).
NOT_JSON: Final = "Could not parse the request body as JSON."
# Every sort field of reference §4.1; a dotted one reads a nested field.
ALERT_SORTS: Final = {
    name: name
    for name in (
        "createdAt",
        "updatedAt",
        "tinyId",
        "alias",
        "message",
        "status",
        "acknowledged",
        "isSeen",
        "snoozed",
        "snoozedUntil",
        "count",
        "lastOccurredAt",
        "source",
        "owner",
        "integration.name",
        "integration.type",
        "report.ackTime",
        "report.closeTime",
        "report.acknowledgedBy",
        "report.closedBy",
    )
}
_NUMERIC_SORTS: Final = frozenset({"tinyId", "count", "report.ackTime", "report.closeTime"})
MAX_OFFSET: Final = 20_000


@dataclass(frozen=True)
class AlertCall:
    """What the app knows about a request beyond the request itself."""

    request_id: str
    caller: Caller


Answer = tuple[int, dict[str, Any]]


class AlertApi:
    """The handlers; `routes()` says where each goes and what kind of access it needs."""

    def __init__(self, store: AlertStore, people: Callable[[], People] = People) -> None:
        self.store, self.people = store, people
        self.details = AlertDetailApi(store, people)

    def routes(self) -> list[tuple[str, str, Callable[..., Answer], str]]:
        """(method, pattern, handler, kind): kind is "write", "read" or "status"."""
        return [
            ("POST", "/v2/alerts", self.create, "write"),
            ("GET", "/v2/alerts", self.list, "read"),
            ("GET", "/v2/alerts/requests/{request_id}", self.request_status, "status"),
            ("GET", "/v2/alerts/{identifier}", self.get, "read"),
            ("GET", "/v2/alerts/{identifier}/logs", self.details.logs, "read"),
            ("GET", "/v2/alerts/{identifier}/notes", self.details.notes, "read"),
            ("GET", "/v2/alerts/{identifier}/recipients", self.details.recipients, "read"),
            ("POST", "/v2/alerts/{identifier}/close", self.close, "write"),
            ("POST", "/v2/alerts/{identifier}/acknowledge", self.acknowledge, "write"),
        ]

    def create(self, request: Request, call: AlertCall) -> Answer:
        body = _body(request)
        errors = create_errors(body)
        if errors:
            raise unprocessable(errors)
        body = {**body, "responders": _resolved(body.get("responders") or [], self.people())}
        self.store.create(call.request_id, body, call.caller)
        return 202, {"result": ACCEPTED}

    def close(self, request: Request, call: AlertCall, identifier: str) -> Answer:
        return self._act("Close", request, call, identifier)

    def acknowledge(self, request: Request, call: AlertCall, identifier: str) -> Answer:
        return self._act("Acknowledge", request, call, identifier)

    def _act(self, action: str, request: Request, call: AlertCall, identifier: str) -> Answer:
        kind = identifier_type(request)
        errors = action_errors(_body(request))
        if errors:
            raise unprocessable(errors)
        alert = self.store.find(identifier, kind)
        alias = identifier if kind == "alias" else ""
        self.store.act(call.request_id, action, alert, alias, call.caller)
        return 202, {"result": ACCEPTED}

    def request_status(self, request: Request, call: AlertCall, request_id: str) -> Answer:
        record = self.store.request(request_id)
        if record is None:
            # Guess: the 404 wording for an unknown request id is unconfirmed.
            raise HttpProblem(404, {"message": f"Request with id [{request_id}] not found."})
        return 200, {"data": dict(record)}

    def get(self, request: Request, call: AlertCall, identifier: str) -> Answer:
        return 200, {"data": _present(find_alert(self.store, request, identifier), full=True)}

    def list(self, request: Request, call: AlertCall) -> Answer:
        errors: dict[str, str] = {}
        page = page_params(
            request,
            errors,
            default_limit=20,
            sorts=ALERT_SORTS,
            default_sort="createdAt",
            default_order="desc",
            max_offset=MAX_OFFSET,
        )
        try:
            predicate = compile_query(request.arg("query"), alerts=True)
        except QueryError as error:
            errors["query"] = str(error)
        if request.arg("searchIdentifier"):
            # Saved searches are not emulated; ignoring one would list the wrong alerts.
            errors["searchIdentifier"] = "The sandbox does not support saved searches."
        if errors:
            raise unprocessable(errors)
        alerts = [alert for alert in self.store.snapshot() if predicate(alert)]
        field = ALERT_SORTS[page.sort]
        alerts.sort(key=lambda a: (_sortable(a, field), int(a["tinyId"])))
        if page.order == "desc":
            alerts.reverse()
        return 200, paged(request, page, alerts, lambda alert: _present(alert, full=False))


def _body(request: Request) -> Any:
    try:
        return request.json()
    except (ValueError, UnicodeDecodeError):
        raise HttpProblem(400, {"message": NOT_JSON}) from None


def _resolved(responders: list[Record], people: People) -> list[Record]:
    """Responders as upstream answers them, ``{type, id}`` (OAS ``Responder``: both required):
    a name or username is looked up among the account's teams, users, escalations and
    schedules. Guess: one that names nothing is dropped (upstream's handling is unconfirmed)."""
    resolved = []
    for responder in responders:
        kind = responder["type"]
        found = responder.get("id") or people.ids.get(
            (kind, responder.get("username") or responder.get("name") or "")
        )
        if found:
            resolved.append({"type": kind, "id": found})
    return resolved


def _sortable(alert: Record, field: str) -> Any:
    """(present, value): an alert without the field sorts before every alert with it."""
    value: Any = alert
    for part in field.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return (False, 0 if field in _NUMERIC_SORTS else "")
    if field in _NUMERIC_SORTS:
        return (True, int(value))
    return (True, str(value).casefold())


# Fields only `GET /v2/alerts/{identifier}` answers (the list has BaseAlert's, reference §4.1).
_FULL_ONLY: Final = ("actions", "entity", "description", "details")


def _present(alert: Record, *, full: bool) -> Record:
    shown = {name: value for name, value in alert.items() if full or name not in _FULL_ONLY}
    return json.loads(json.dumps(shown))  # a deep copy: the store keeps changing the original
