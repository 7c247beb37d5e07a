"""OpsGenie REST API emulator for one region, as a plain WSGI app.

Faithful to reference/opsgenie-api.md where it is confirmed (auth, envelopes, paging links,
errors, rate-limit headers); where upstream is unconfirmed, the choice is marked `Guess:` so it
is easy to find and correct.
"""

from __future__ import annotations

import dataclasses
import enum
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import quote, unquote

from integrations.providers.opsgenie.sandbox.alert_api import AlertApi, AlertCall
from integrations.providers.opsgenie.sandbox.alert_details import People
from integrations.providers.opsgenie.sandbox.alerts import AlertStore, Caller
from integrations.providers.opsgenie.sandbox.config_api import ConfigApi
from integrations.providers.opsgenie.sandbox.data import Record
from integrations.providers.opsgenie.sandbox.incident_detail_api import IncidentDetailApi
from integrations.providers.opsgenie.sandbox.paging import page_params, paged, paging_headers
from integrations.providers.opsgenie.sandbox.parents_api import ParentsApi
from integrations.providers.opsgenie.sandbox.query import QueryError, compile_query
from integrations.providers.opsgenie.sandbox.rules_api import RulesApi
from integrations.providers.opsgenie.sandbox.store import OpsGenieStore
from integrations.sandbox.faults import Draw, Faults
from integrations.sandbox.wsgi import HttpProblem, Request, Response, Router, StartResponse

# PORT's client stops here for alerts, incidents and services (reference §2); the exact error
# upstream returns is unconfirmed, so we answer the usual 422.
MAX_OFFSET: Final = 20_000

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
# Observed upstream (reference §1.1): an API-key-management (account) key may read alerts but
# is refused creating, closing or acknowledging them, with this body.
USE_INTEGRATION_KEY: Final = {
    "code": 40301,
    "message": "To perform this action, use an API key from an API integration.",
}
# Guess: the wording for an API integration without Read access reading is unconfirmed; the
# code is upstream's "key lacks permission" (reference §1.3).
INTEGRATION_CANNOT_READ: Final = {
    "code": 40301,
    "message": "You are not authorized to read with this API integration's key.",
}
INTEGRATION_NAME: Final = "Sandbox API integration"


class KeyAccess(enum.Enum):
    FULL = "full"
    # An API-key-management key without incident rights: 403 code 40301 on incidents only.
    NO_INCIDENT_ACCESS = "no_incident_access"
    # An account on a plan without the Incident API (Standard/Enterprise only): 402 on incidents.
    NO_INCIDENT_PLAN = "no_incident_plan"
    # An API-key-management key with Read but without Configuration Access (reference §1.1):
    # incidents answer, configuration (users, teams, services) is 403 code 40301.
    NO_CONFIGURATION_ACCESS = "no_configuration_access"
    # The key of an API integration with Create and Update access but no Read access: it may
    # create, close and acknowledge alerts and read their request status (Guess: upstream's
    # answer for the status read is unconfirmed; a sender needs it); every other read is 403.
    INTEGRATION = "integration"
    # An API integration with Read access too: it may also read its alerts back.
    INTEGRATION_WITH_READ = "integration_with_read"


INTEGRATION_KEYS: Final = frozenset({KeyAccess.INTEGRATION, KeyAccess.INTEGRATION_WITH_READ})


class OpsGenieSandbox:
    """WSGI app answering like `https://api.opsgenie.com` (or the EU host) for one account."""

    store: OpsGenieStore

    def __init__(
        self,
        *,
        store: OpsGenieStore | None,
        keys: Mapping[str, KeyAccess],
        faults: Faults | None = None,
        sleep: Callable[[float], None] = time.sleep,
        alerts: AlertStore | None = None,
    ) -> None:
        """Without a `store` it serves only the Alert API (JSM's integration endpoint)."""
        self.keys = dict(keys)
        self.faults = faults or Faults()
        self._sleep = sleep
        self.router = Router()
        self.alerts = alerts
        self._alert_kinds: dict[Callable[..., Any], str] = {}
        if alerts is not None:
            for method, pattern, handler, kind in AlertApi(alerts, self._people).routes():
                self.router.add(method, pattern, handler)
                self._alert_kinds[handler] = kind
        self._incident_handlers: set[Callable[..., Any]] = set()
        self._configuration_handlers: set[Callable[..., Any]] = set()
        if store is not None:
            self.store = store
            self._add_account_routes()

    def _add_account_routes(self) -> None:
        self.router.add("GET", "/v1/incidents", self._list_incidents)
        self.router.add("GET", "/v1/incidents/{identifier}", self._get_incident)
        self.router.add("GET", "/v2/users", self._list_users)
        self.router.add("GET", "/v2/users/{identifier}/teams", self._list_user_teams)
        self.router.add("GET", "/v2/teams", self._list_teams)
        self.router.add("GET", "/v2/teams/{identifier}", self._get_team)
        self.router.add("GET", "/v1/services", self._list_services)
        self._incident_handlers = {self._list_incidents, self._get_incident}
        self._configuration_handlers = {
            self._list_users,
            self._list_user_teams,
            self._list_teams,
            self._get_team,
            self._list_services,
        }
        for method, pattern, handler in IncidentDetailApi(self.store).routes():
            self.router.add(method, pattern, handler)
            self._incident_handlers.add(handler)
        for method, pattern, handler in [
            *ConfigApi(self.store).routes(),
            *RulesApi(self.store).routes(),
            *ParentsApi(self.store).routes(),
        ]:
            self.router.add(method, pattern, handler)
            self._configuration_handlers.add(handler)

    def _people(self) -> People:
        """The account's people, who receive its alerts (none for JSM's integration endpoint)."""
        store = getattr(self, "store", None)
        if store is None:
            return People()
        named = [
            *(("team", t["name"], t["id"]) for t in store.dataset.teams),
            *(("user", u["username"], u["id"]) for u in store.dataset.users),
            *(("escalation", e["name"], e["id"]) for e in store.configuration.escalations),
            *(("schedule", s["name"], s["id"]) for s in store.configuration.schedules),
        ]
        return People(
            users=store.dataset.users,
            memberships=store.dataset.memberships,
            ids={(kind, name): id_ for kind, name, id_ in named},
        )

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        delay = self.faults.delay()
        if delay:
            self._sleep(delay)
        request = Request.from_environ(environ)
        # Route on the path as sent, so an alias holding an encoded "/" stays one segment.
        raw = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "").split("?")[0]
        if raw.startswith(request.script_name + "/"):
            path = raw[len(request.script_name) :]
        else:
            path = quote(request.path, safe="/:@!$&'()*+,;=~")
        request = dataclasses.replace(request, path=path)
        return self.handle(request, started)(start_response)

    def handle(self, request: Request, started: float | None = None) -> Response:
        started = time.monotonic() if started is None else started
        request_id = str(uuid.uuid4())
        try:
            status, payload, headers = self._dispatch(request, request_id)
        except HttpProblem as problem:
            status, payload, headers = problem.status, problem.body, []
        response = _envelope(status, payload, request_id, started, headers)
        if 200 <= status < 300 and self.faults.take_malformed():
            # Cut mid-document: a client must treat this as a transient failure, not crash.
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    def _dispatch(
        self, request: Request, request_id: str
    ) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        access, key = self._authenticate(request)
        failure = self.faults.draw()
        if failure.fails:
            return _fault(failure)
        match = self.router.match(request.method, request.path)
        if match is None:
            # Guess: upstream's wording for an unknown path is unconfirmed.
            raise HttpProblem(404, {"message": "Could not find the requested resource."})
        if match.handler is None:
            return 405, {"message": "Method not allowed."}, [("Allow", ", ".join(match.allowed))]
        params = {name: unquote(value) for name, value in match.params.items()}
        kind = self._alert_kinds.get(match.handler)
        if kind is not None:
            _check_alert_access(access, kind)
            call = AlertCall(request_id, _caller(key))
            status, payload = match.handler(request, call, **params)
            return status, payload, paging_headers(payload)
        if access is KeyAccess.INTEGRATION:
            raise HttpProblem(403, INTEGRATION_CANNOT_READ)
        if match.handler in self._incident_handlers:
            _check_incident_access(access)
        if match.handler in self._configuration_handlers:
            _check_configuration_access(access)
        payload = match.handler(request, **params)
        return 200, payload, paging_headers(payload)

    def _authenticate(self, request: Request) -> tuple[KeyAccess, str]:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        # Auth schemes are case-insensitive (RFC 9110); the key itself is not.
        access = self.keys.get(key.strip()) if scheme.lower() == "geniekey" else None
        if access is None:
            # Same answer for a missing, unknown or other-region key: upstream cannot tell them
            # apart either (reference §1.2).
            raise HttpProblem(401, {"message": "Could not authenticate"})
        return access, key.strip()

    # --- incidents ----------------------------------------------------------------------------

    def _list_incidents(self, request: Request) -> dict[str, Any]:
        errors: dict[str, str] = {}
        page = page_params(
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
        return paged(
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
        page = page_params(
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
        return paged(request, page, users, lambda user: user)

    def _list_user_teams(self, request: Request, identifier: str) -> dict[str, Any]:
        """A user's teams by user id or username, unpaged: `data[{id, name}]` (reference §5)."""
        user = self.store.user(identifier)
        if user is None:
            # Guess: the exact 404 wording is unconfirmed upstream.
            raise HttpProblem(404, {"message": f"User with identifier [{identifier}] not found."})
        teams = self.store.teams_of(user["id"])
        return {"data": [{"id": team["id"], "name": team["name"]} for team in teams]}

    def _list_teams(self, request: Request) -> dict[str, Any]:
        # Teams are never paged upstream, nor do they carry members here (reference §5).
        return {"data": [_with_api_link(request, team, "v2/teams") for team in self.store.teams()]}

    def _get_team(self, request: Request, identifier: str) -> dict[str, Any]:
        """One team with its members `[{user{id, username}, role}]` (reference §5)."""
        identifier_type = (request.arg("identifierType") or "id").lower()
        if identifier_type not in ("id", "name"):
            raise _unprocessable({"identifierType": "Identifier type should be one of [id, name]"})
        team = self.store.team(identifier, by_name=identifier_type == "name")
        if team is None:
            # Guess: the exact 404 wording is unconfirmed upstream.
            raise HttpProblem(
                404, {"message": f"Team with {identifier_type} [{identifier}] does not exist."}
            )
        members = [
            {"user": {"id": user["id"], "username": user["username"]}, "role": role}
            for user, role in self.store.members_of(team["id"])
        ]
        return {"data": {**_with_api_link(request, team, "v2/teams"), "members": members}}

    def _list_services(self, request: Request) -> dict[str, Any]:
        errors: dict[str, str] = {}
        page = page_params(
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
        return paged(
            request, page, services, lambda item: _with_api_link(request, item, "v1/services")
        )


# --- helpers ----------------------------------------------------------------------------------


def _check_alert_access(access: KeyAccess, kind: str) -> None:
    if kind == "write" and access not in INTEGRATION_KEYS:
        raise HttpProblem(403, USE_INTEGRATION_KEY)
    if kind == "read" and access is KeyAccess.INTEGRATION:
        raise HttpProblem(403, INTEGRATION_CANNOT_READ)


def _caller(key: str) -> Caller:
    # A stable integration id per key, as upstream's request statuses name the integration.
    return Caller(
        str(uuid.uuid5(uuid.NAMESPACE_URL, f"opsgenie-integration:{key}")), INTEGRATION_NAME
    )


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


def _check_configuration_access(access: KeyAccess) -> None:
    if access is KeyAccess.NO_CONFIGURATION_ACCESS:
        raise HttpProblem(
            403,
            {
                "code": 40301,
                # Guess: the wording for a key without Configuration Access is unconfirmed.
                "message": "You are not authorized to access configurations with this API key.",
            },
        )


def _unprocessable(errors: dict[str, str]) -> HttpProblem:
    return HttpProblem(422, {"message": UNPROCESSABLE, "errors": errors})


def _reject_search(request: Request, errors: dict[str, str]) -> None:
    # Upstream supports `query` here; the sandbox does not yet, and ignoring a filter would
    # silently return the wrong records.
    if request.arg("query"):
        errors["query"] = "The sandbox does not support search queries on this endpoint."


def _incident_sort_key(field: str) -> Callable[[Record], Any]:
    # tinyId breaks ties so equal keys still come back in a stable, documented order.
    if field == "tinyId":
        return lambda incident: int(incident["tinyId"])
    if field == "message":
        return lambda incident: (incident["message"].casefold(), int(incident["tinyId"]))
    return lambda incident: (incident[field], int(incident["tinyId"]))


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
