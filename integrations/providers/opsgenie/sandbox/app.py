"""OpsGenie REST API emulator for one region, as a plain WSGI app.

Faithful to reference/opsgenie-api.md where it is confirmed (auth, envelopes, paging links,
errors, rate-limit headers); where upstream is unconfirmed, the choice is marked `Guess:` so it
is easy to find and correct.
"""

from __future__ import annotations

import enum
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import urlencode

from integrations.providers.opsgenie.sandbox.data import (
    OpsGenieDataset,
    OpsGenieStore,
    Record,
    generate_dataset,
)
from integrations.providers.opsgenie.sandbox.query import QueryError, compile_query
from integrations.sandbox.faults import Draw, Faults
from integrations.sandbox.wsgi import HttpProblem, Request, Response, Router, StartResponse

__all__ = [
    "KeyAccess",
    "OpsGenieDataset",
    "OpsGenieSandbox",
    "OpsGenieStore",
    "generate_dataset",
]

# PORT's client stops here for alerts, incidents and services (reference §2); the exact error
# upstream returns is unconfirmed, so we answer the usual 422.
MAX_OFFSET: Final = 20_000
MAX_LIMIT: Final = 100

INCIDENT_SORTS: Final = {
    "createdAt": "createdAt",
    # Upstream's insertedAt is the creation time; the JSON carries no separate field for it.
    "insertedAt": "createdAt",
    "updatedAt": "updatedAt",
    "tinyId": "tinyId",
    "status": "status",
    "priority": "priority",
    "message": "message",
}
USER_SORTS: Final = {
    "username": "username",
    "fullName": "fullName",
    "createdAt": "createdAt",
    "insertedAt": "createdAt",
}
SERVICE_SORTS: Final = {"name": "name", "isExternal": "isExternal"}

UNPROCESSABLE: Final = "Request body is not processable. Please check the errors."


class KeyAccess(enum.Enum):
    FULL = "full"
    # An API-key-management key without incident rights: 403 code 40301 on incidents only.
    NO_INCIDENT_ACCESS = "no_incident_access"
    # An account on a plan without the Incident API (Standard/Enterprise only): 402 on incidents.
    NO_INCIDENT_PLAN = "no_incident_plan"


@dataclass(frozen=True)
class _Page:
    offset: int
    limit: int
    sort: str
    order: str
    sort_param: str


class OpsGenieSandbox:
    """WSGI app answering like `https://api.opsgenie.com` (or the EU host) for one account."""

    def __init__(
        self,
        *,
        store: OpsGenieStore,
        keys: Mapping[str, KeyAccess],
        faults: Faults | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.keys = dict(keys)
        self.faults = faults or Faults()
        self._sleep = sleep
        self.router = Router()
        self.router.add("GET", "/v1/incidents", self._list_incidents)
        self.router.add("GET", "/v1/incidents/{identifier}", self._get_incident)
        self.router.add("GET", "/v2/users", self._list_users)
        self.router.add("GET", "/v2/teams", self._list_teams)
        self.router.add("GET", "/v1/services", self._list_services)
        self._incident_handlers = {self._list_incidents, self._get_incident}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        delay = self.faults.delay()
        if delay:
            self._sleep(delay)
        request = Request.from_environ(environ)
        return self.handle(request, started)(start_response)

    def handle(self, request: Request, started: float | None = None) -> Response:
        started = time.monotonic() if started is None else started
        request_id = str(uuid.uuid4())
        try:
            status, payload, headers = self._dispatch(request)
        except HttpProblem as problem:
            status, payload, headers = problem.status, problem.body, []
        response = _envelope(status, payload, request_id, started, headers)
        if 200 <= status < 300 and self.faults.take_malformed():
            # Cut mid-document: a client must treat this as a transient failure, not crash.
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    def _dispatch(self, request: Request) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        access = self._authenticate(request)
        failure = self.faults.draw()
        if failure.fails:
            return _fault(failure)
        match = self.router.match(request.method, request.path)
        if match is None:
            # Guess: upstream's wording for an unknown path is unconfirmed.
            raise HttpProblem(404, {"message": "Could not find the requested resource."})
        if match.handler is None:
            return 405, {"message": "Method not allowed."}, [("Allow", ", ".join(match.allowed))]
        if match.handler in self._incident_handlers:
            _check_incident_access(access)
        payload = match.handler(request, **match.params)
        return 200, payload, _paging_headers(payload)

    def _authenticate(self, request: Request) -> KeyAccess:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        # Auth schemes are case-insensitive (RFC 9110); the key itself is not.
        access = self.keys.get(key.strip()) if scheme.lower() == "geniekey" else None
        if access is None:
            # Same answer for a missing, unknown or other-region key: upstream cannot tell them
            # apart either (reference §1.2).
            raise HttpProblem(401, {"message": "Could not authenticate"})
        return access

    # --- incidents ----------------------------------------------------------------------------

    def _list_incidents(self, request: Request) -> dict[str, Any]:
        errors: dict[str, str] = {}
        page = _page_params(
            request,
            errors,
            default_limit=20,
            sorts=INCIDENT_SORTS,
            default_sort="createdAt",
            default_order="desc",
            max_offset=MAX_OFFSET,
        )
        team_names = {team["id"]: team["name"] for team in self.store.teams()}
        try:
            predicate = compile_query(request.arg("query"), team_names=team_names)
        except QueryError as error:
            errors["query"] = str(error)
        if errors:
            raise _unprocessable(errors)
        matching = [incident for incident in self.store.incidents() if predicate(incident)]
        key = _incident_sort_key(INCIDENT_SORTS[page.sort])
        matching.sort(key=key, reverse=page.order == "desc")
        return _paged(
            request, page, matching, lambda item: _with_api_link(request, item, "v1/incidents")
        )

    def _get_incident(self, request: Request, identifier: str) -> dict[str, Any]:
        identifier_type = (request.arg("identifierType") or "id").lower()
        if identifier_type not in ("id", "tiny"):
            raise _unprocessable({"identifierType": "Identifier type should be one of [id, tiny]"})
        incident = self.store.incident(identifier, tiny=identifier_type == "tiny")
        if incident is None:
            # Guess: the exact 404 wording is unconfirmed upstream.
            raise HttpProblem(
                404, {"message": f"Incident with {identifier_type} [{identifier}] does not exist."}
            )
        return {"data": _with_api_link(request, incident, "v1/incidents")}

    # --- configuration ------------------------------------------------------------------------

    def _list_users(self, request: Request) -> dict[str, Any]:
        errors: dict[str, str] = {}
        # Upstream names the sort parameter `sortField` (OAS) or `sort` (docs, Go SDK): take both.
        page = _page_params(
            request,
            errors,
            default_limit=100,
            sorts=USER_SORTS,
            default_sort="username",
            default_order="asc",
            max_offset=None,
            sort_params=("sort", "sortField"),
        )
        _reject_search(request, errors)
        if errors:
            raise _unprocessable(errors)
        field = USER_SORTS[page.sort]
        users = sorted(
            self.store.users(),
            key=lambda user: (str(user[field]).casefold(), user["username"]),
            reverse=page.order == "desc",
        )
        return _paged(request, page, users, lambda user: user)

    def _list_teams(self, request: Request) -> dict[str, Any]:
        # Teams are never paged upstream (reference §5).
        return {"data": [_with_api_link(request, team, "v2/teams") for team in self.store.teams()]}

    def _list_services(self, request: Request) -> dict[str, Any]:
        errors: dict[str, str] = {}
        page = _page_params(
            request,
            errors,
            default_limit=20,
            sorts=SERVICE_SORTS,
            default_sort="name",
            default_order="asc",  # Guess: unconfirmed upstream; ascending suits a name sort.
            max_offset=MAX_OFFSET,
        )
        _reject_search(request, errors)
        if errors:
            raise _unprocessable(errors)
        field = SERVICE_SORTS[page.sort]
        services = sorted(
            self.store.services(),
            key=lambda service: (str(service[field]).casefold(), service["id"]),
            reverse=page.order == "desc",
        )
        return _paged(
            request, page, services, lambda item: _with_api_link(request, item, "v1/services")
        )


# --- helpers ----------------------------------------------------------------------------------


def _check_incident_access(access: KeyAccess) -> None:
    if access is KeyAccess.NO_INCIDENT_ACCESS:
        raise HttpProblem(
            403,
            {
                "code": 40301,
                # Guess: the wording for a key without incident rights is unconfirmed.
                "message": "You are not authorized to access incidents with this API key.",
            },
        )
    if access is KeyAccess.NO_INCIDENT_PLAN:
        raise HttpProblem(
            402,
            {
                "message": "Your plan does not include the Incident API. "
                "It is available on the Standard and Enterprise plans."
            },
        )


def _unprocessable(errors: dict[str, str]) -> HttpProblem:
    return HttpProblem(422, {"message": UNPROCESSABLE, "errors": errors})


def _reject_search(request: Request, errors: dict[str, str]) -> None:
    # Upstream supports `query` here; the sandbox does not yet, and ignoring a filter would
    # silently return the wrong records.
    if request.arg("query"):
        errors["query"] = "The sandbox does not support search queries on this endpoint."


def _page_params(
    request: Request,
    errors: dict[str, str],
    *,
    default_limit: int,
    sorts: Mapping[str, str],
    default_sort: str,
    default_order: str,
    max_offset: int | None,
    sort_params: tuple[str, ...] = ("sort",),
) -> _Page:
    limit = _int_param(request, "limit", default_limit, errors)
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = f"Limit should be between 1 and {MAX_LIMIT}."
    offset = _int_param(request, "offset", 0, errors)
    if offset is not None and offset < 0:
        errors["offset"] = "Offset should be a non-negative number."
    elif offset is not None and max_offset is not None and offset >= max_offset:
        errors["offset"] = f"Offset should be less than {max_offset}."
    sort_param = next((name for name in sort_params if request.arg(name) is not None), "sort")
    sort = request.arg(sort_param) or default_sort
    if sort not in sorts:
        errors[sort_param] = f"Sort field should be one of [{', '.join(sorts)}]."
    order = (request.arg("order") or default_order).lower()
    if order not in ("asc", "desc"):
        errors["order"] = "Order should be one of [asc, desc]."
    return _Page(offset or 0, limit or default_limit, sort, order, sort_param)


def _int_param(request: Request, name: str, default: int, errors: dict[str, str]) -> int | None:
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        errors[name] = f"{name.capitalize()} should be a number."
        return None


def _incident_sort_key(field: str) -> Callable[[Record], Any]:
    # tinyId breaks ties so equal keys still come back in a stable, documented order.
    if field == "tinyId":
        return lambda incident: int(incident["tinyId"])
    if field == "message":
        return lambda incident: (incident["message"].casefold(), int(incident["tinyId"]))
    return lambda incident: (incident[field], int(incident["tinyId"]))


def _paged(
    request: Request,
    page: _Page,
    items: list[Record],
    present: Callable[[Record], Record],
) -> dict[str, Any]:
    total = len(items)
    chunk = items[page.offset : page.offset + page.limit]
    return {
        "data": [present(item) for item in chunk],
        "paging": _paging_links(request, page, total),
        "totalCount": total,
    }


def _paging_links(request: Request, page: _Page, total: int) -> dict[str, str]:
    """Absolute links carrying every query parameter, like upstream's (reference §2)."""
    paging_names = {"offset", "limit", page.sort_param, "order"}
    kept = [(name, value) for name, value in request.query_items if name not in paging_names]
    base = request.root_url + request.path

    def link(offset: int) -> str:
        params = [
            *kept,
            ("offset", str(offset)),
            ("limit", str(page.limit)),
            (page.sort_param, page.sort),
            ("order", page.order),
        ]
        return f"{base}?{urlencode(params)}"

    last = ((total - 1) // page.limit) * page.limit if total else 0
    links = {"first": link(0)}
    if page.offset + page.limit < total:
        links["next"] = link(page.offset + page.limit)
    links["last"] = link(last)
    return links


def _paging_headers(payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    paging = payload.get("paging") or {}
    return [(f"X-Paging-{name.capitalize()}", url) for name, url in paging.items()]


def _with_api_link(request: Request, item: Record, collection: str) -> Record:
    # The stored link names the real upstream host; point it back at this sandbox instead, so a
    # client that follows it stays here.
    links = {**item.get("links", {}), "api": f"{request.root_url}/{collection}/{item['id']}"}
    return {**item, "links": links}


def _fault(draw: Draw) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
    if draw.rate_limited:
        return (
            429,
            {"message": "You are making too many requests!"},
            [
                ("X-RateLimit-State", "THROTTLED"),
                ("X-RateLimit-Reason", draw.rate_limit_reason),
                ("X-RateLimit-Period-In-Sec", str(draw.rate_limit_period_seconds)),
            ],
        )
    status = draw.server_error_status or 500
    try:
        message = HTTPStatus(status).phrase
    except ValueError:
        message = "Server Error"
    return status, {"message": message}, []


def _envelope(
    status: int,
    payload: dict[str, Any],
    request_id: str,
    started: float,
    headers: list[tuple[str, str]],
) -> Response:
    took = max(round(time.monotonic() - started, 3), 0.001)
    body = {**payload, "took": took, "requestId": request_id}
    extra = [
        ("X-Request-ID", request_id),
        # Guess: upstream sends this header but its unit/format is unconfirmed.
        ("X-Response-Time", f"{took * 1000:.0f}ms"),
        *headers,
    ]
    if 200 <= status < 300:
        extra.append(("X-RateLimit-State", "OK"))
    return Response.json(status, body, extra)
