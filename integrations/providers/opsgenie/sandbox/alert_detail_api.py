"""`GET /v2/alerts/{identifier}/logs`, `/notes` and `/recipients` (reference §4.3).

Logs and notes are paged by key, not by position: `offset` is the `offset` of an item already
read, `direction` says whether the page comes after it (`next`, the default) or before it
(`prev`) in the listing's `order` (`desc` by default); `limit` is 1..100, 20 by default. The
`paging` object has only `first` and, while more items follow, `next` (OAS `AlertPaging`).
Recipients come in one answer, without paging.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final
from urllib.parse import urlencode

from integrations.providers.opsgenie.sandbox.alert_details import (
    NOT_FOUND,
    People,
    alert_logs,
    alert_notes,
    alert_recipients,
)
from integrations.providers.opsgenie.sandbox.alerts import AlertStore, Record
from integrations.providers.opsgenie.sandbox.paging import MAX_LIMIT
from integrations.sandbox.wsgi import HttpProblem, Request

DEFAULT_LIMIT: Final = 20
IDENTIFIER_TYPES: Final = ("id", "tiny", "alias")
UNPROCESSABLE: Final = "Request body is not processable. Please check the errors."

Answer = tuple[int, dict[str, Any]]


def unprocessable(errors: dict[str, str]) -> HttpProblem:
    return HttpProblem(422, {"message": UNPROCESSABLE, "errors": errors})


def identifier_type(request: Request) -> str:
    kind = (request.arg("identifierType") or "id").lower()
    if kind not in IDENTIFIER_TYPES:
        raise unprocessable(
            {"identifierType": f"Identifier type should be one of [{', '.join(IDENTIFIER_TYPES)}]"}
        )
    return kind


def find_alert(store: AlertStore, request: Request, identifier: str) -> Record:
    """The alert `identifier` names (by `identifierType`), or the 404 upstream answers."""
    kind = identifier_type(request)
    alert = store.find(identifier, kind)
    if alert is None:
        # Guess: the exact 404 wording is unconfirmed upstream.
        raise HttpProblem(404, {"message": NOT_FOUND.format(kind=kind, identifier=identifier)})
    return dict(alert)


class AlertDetailApi:
    def __init__(self, store: AlertStore, people: Callable[[], People]) -> None:
        self.store, self.people = store, people

    def logs(self, request: Request, call: Any, identifier: str) -> Answer:
        alert = find_alert(self.store, request, identifier)
        return 200, keyed_page(request, alert_logs(alert, self.people()))

    def notes(self, request: Request, call: Any, identifier: str) -> Answer:
        alert = find_alert(self.store, request, identifier)
        return 200, keyed_page(request, alert_notes(alert, self.people()))

    def recipients(self, request: Request, call: Any, identifier: str) -> Answer:
        alert = find_alert(self.store, request, identifier)
        return 200, {"data": alert_recipients(alert, self.people())}


def keyed_page(request: Request, items: list[Record]) -> dict[str, Any]:
    """One page of `items` (oldest first, each with its `offset` key) as `request` asks."""
    errors: dict[str, str] = {}
    limit = _limit(request, errors)
    order = (request.arg("order") or "desc").lower()
    if order not in ("asc", "desc"):
        errors["order"] = "Order should be one of [asc, desc]."
    direction = (request.arg("direction") or "next").lower()
    if direction not in ("next", "prev"):
        errors["direction"] = "Direction should be one of [next, prev]."
    if errors:
        raise unprocessable(errors)
    listed = items if order == "asc" else list(reversed(items))
    key = request.arg("offset") or ""
    if not key:
        chunk = listed[:limit]
    elif direction == "next":
        chunk = [item for item in listed if _beyond(item["offset"], key, order)][:limit]
    else:
        chunk = [item for item in listed if _beyond(key, item["offset"], order)][-limit:]
    paging = {"first": _link(request, limit, order, None)}
    # `next` continues after the page's last item, whichever way the page was read.
    if chunk and chunk[-1] is not listed[-1]:
        paging["next"] = _link(request, limit, order, chunk[-1]["offset"])
    return {"data": chunk, "paging": paging}


def _beyond(item_key: str, key: str, order: str) -> bool:
    """Whether `item_key` comes after `key` in the listing's order."""
    return item_key > key if order == "asc" else item_key < key


def _limit(request: Request, errors: dict[str, str]) -> int:
    raw = request.arg("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        errors["limit"] = "Limit should be a number."
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = f"Limit should be between 1 and {MAX_LIMIT}."
    return limit


def _link(request: Request, limit: int, order: str, offset: str | None) -> str:
    """Absolute, carrying the request's other parameters (reference §2)."""
    own = {"offset", "direction", "limit", "order"}
    params = [(name, value) for name, value in request.query_items if name not in own]
    if offset is not None:
        params.append(("offset", offset))
    params += [("direction", "next"), ("limit", str(limit)), ("order", order)]
    return f"{request.root_url}{request.path}?{urlencode(params)}"
