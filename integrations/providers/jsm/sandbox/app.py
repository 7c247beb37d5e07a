"""The emulated Jira site (``https://{site}.atlassian.net``) and JSM Ops API
(``https://api.atlassian.com/jsm/ops/api``), as plain WSGI apps. Where upstream is unconfirmed,
the choice is marked ``Guess:``.

Site, under ``/{site}``: ``/_edge/tenant_info`` (no auth), ``/rest/api/3/myself``,
``/rest/api/3/search/jql`` (the JQL subset of ``jql.py``, ``nextPageToken`` paging) and the old
``/rest/api/3/search`` (410). Ops API, under ``/{cloudId}/v1`` (``ops_api``): alerts, teams,
escalations, heartbeats, routing rules, schedules, timelines, on-calls, integrations, audit
logs (``values`` and ``links.next``, ``size`` ≤ 100, offset + size < 20,000; 403 to a user
without an Operations role). Both take Basic auth (email:token); a bad pair is 401.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Final
from urllib.parse import urlencode

from integrations.providers.jsm.sandbox.data import (
    CATEGORIES,
    INCIDENT_TYPE,
    OTHER_TYPES,
    PRIORITY_IDS,
    PROJECTS,
    STATUSES,
)
from integrations.providers.jsm.sandbox.jql import JqlError, parse, sort_key
from integrations.providers.jsm.sandbox.ops_api import OpsListings
from integrations.providers.jsm.sandbox.ops_data import OpsConfiguration
from integrations.providers.jsm.sandbox.store import JsmStore, Record
from integrations.sandbox.faults import Faults
from integrations.sandbox.wsgi import HttpProblem, Request, Response, Router, StartResponse

# Guess: Jira Cloud's 401 to a REST call with bad Basic credentials is this plain text.
NOT_AUTHENTICATED: Final = b"Client must be authenticated to access this resource."
SEARCH_GONE: Final = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
UNBOUNDED: Final = (
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
)
MAX_RESULTS: Final = 100  # Guess: the cap for a search returning fields
# The values the site knows per field (JQL refuses any other), casefolded: names and ids.
KNOWN_VALUES: Final = {
    "issuetype": {v.casefold() for t in (INCIDENT_TYPE, *OTHER_TYPES) for v in t.values()},
    "project": {v.casefold() for p in PROJECTS for v in p.values()},
    "priority": {v.casefold() for pair in PRIORITY_IDS.items() for v in pair},
    "status": {name.casefold() for name in STATUSES},
    "statusCategory": {
        str(v).casefold() for category in CATEGORIES.values() for v in category.values()
    },
}


def jira_error(status: int, message: str) -> HttpProblem:
    return HttpProblem(status, {"errorMessages": [message], "errors": {}})


class _Api:
    """What both apps share: faults, Basic auth, routing."""

    def __init__(self, store: JsmStore, faults: Faults, sleep: Callable[[float], None]) -> None:
        self.store, self.faults, self._sleep = store, faults, sleep
        self.router = Router()
        self.anonymous: set[Callable[..., Any]] = set()
        # The last requests' paths and queries, oldest first: what tests read back.
        self.requests: deque[str] = deque(maxlen=1000)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        delay = self.faults.delay()
        if delay:
            self._sleep(delay)
        request = Request.from_environ(environ)
        self.requests.append(f"{request.path}?{urlencode(request.query_items)}")
        return self.handle(request)(start_response)

    def handle(self, request: Request) -> Response:
        try:
            match = self.router.match(request.method, request.path)
            if match is None or match.handler is None:
                raise jira_error(404, "Not found")  # Guess: wording
            user = None if match.handler in self.anonymous else self._user(request)
            if user is None and match.handler not in self.anonymous:
                return Response(401, NOT_AUTHENTICATED, [("Content-Type", "text/plain")])
            draw = self.faults.draw()
            if draw.rate_limited:
                wait = str(draw.rate_limit_period_seconds)
                return Response.json(
                    429, {"errorMessages": ["Rate limit exceeded."]}, [("Retry-After", wait)]
                )
            if draw.server_error_status:
                raise jira_error(draw.server_error_status, "Internal server error")
            response = Response.json(200, match.handler(request, user=user, **match.params))
        except HttpProblem as problem:
            return Response.json(problem.status, problem.body)
        if self.faults.take_malformed():
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    def _user(self, request: Request) -> Record | None:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            email, _, token = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return self.store.user(email, token)


class SiteApp(_Api):
    """One Jira Cloud site, mounted at a prefix; the first path segment is the site's name."""

    def __init__(
        self, store: JsmStore, faults: Faults, sleep: Callable[[float], None] = time.sleep
    ):
        super().__init__(store, faults, sleep)
        self.router.add("GET", "/{site}/_edge/tenant_info", self._tenant_info)
        self.router.add("GET", "/{site}/rest/api/3/myself", self._myself)
        self.router.add("GET", "/{site}/rest/api/3/search/jql", self._search)
        self.router.add(("GET", "POST"), "/{site}/rest/api/3/search", self._gone)
        self.anonymous = {self._tenant_info}

    def _site(self, site: str) -> None:
        # Guess: an unknown site's answer (a real one may redirect); 404 here.
        if site != self.store.site.name:
            raise jira_error(404, f"Site {site} does not exist.")

    def _tenant_info(self, request: Request, *, user: Record | None, site: str) -> Record:
        self._site(site)
        return {"cloudId": self.store.site.cloud_id}

    def _myself(self, request: Request, *, user: Record, site: str) -> Record:
        self._site(site)
        return {
            key: user[key] for key in ("accountId", "emailAddress", "displayName", "timeZone")
        } | {
            "accountType": "atlassian",
            "active": True,
            "self": f"{request.root_url}/{site}/rest/api/3/user?accountId={user['accountId']}",
        }

    def _gone(self, request: Request, *, user: Record, site: str) -> Record:
        raise jira_error(410, SEARCH_GONE)

    def _search(self, request: Request, *, user: Record, site: str) -> Record:
        self._site(site)
        jql = request.arg("jql") or ""
        try:
            query = parse(jql, zone=user["timeZone"], values=self._value_exists)
        except JqlError as error:
            raise jira_error(400, str(error)) from error
        if not query.bounded:
            raise jira_error(400, UNBOUNDED)
        size = _int(request.arg("maxResults"), default=50, name="maxResults")
        if not size > 0:
            raise jira_error(400, "maxResults must be greater than 0.")
        size = min(size, MAX_RESULTS)
        offset = _offset(request.arg("nextPageToken"), jql)
        items = [item for item in self.store.items() if query.match(item)]
        for field, descending in reversed(query.order or [("created", True)]):
            items.sort(key=sort_key(field), reverse=descending)
        page = items[offset : offset + size]
        wanted = {f.strip() for f in (request.arg("fields") or "id").split(",") if f.strip()}
        body: Record = {"issues": [_shaped(request, site, item, wanted) for item in page]}
        more = offset + size < len(items)
        if more:
            body["nextPageToken"] = _token(offset + size, jql)
        body["isLast"] = not more
        return body

    def _value_exists(self, field: str, value: str) -> bool:
        return value.casefold() in KNOWN_VALUES.get(field, set())


class OpsApp(_Api):
    """The Ops API of the site's cloudId (``ops_api``): alerts, teams with their escalations,
    heartbeats and routing rules, schedules with their timelines and on-calls, integrations,
    the audit logs."""

    def __init__(
        self,
        store: JsmStore,
        faults: Faults,
        sleep: Callable[[float], None] = time.sleep,
        *,
        config: OpsConfiguration | None = None,
    ):
        super().__init__(store, faults, sleep)
        self.config = config or OpsConfiguration(now_ms=store.site.now_ms)
        listings = OpsListings(store.alerts, self.config)
        for path, handler in (
            ("/alerts", listings.alerts),
            ("/teams", listings.teams),
            ("/teams/{team_id}/escalations", listings.escalations),
            ("/teams/{team_id}/heartbeats", listings.heartbeats),
            ("/teams/{team_id}/routing-rules", listings.routing_rules),
            ("/schedules", listings.schedules),
            ("/schedules/{schedule_id}/timeline", listings.timeline),
            ("/schedules/{schedule_id}/on-calls", listings.on_calls),
            ("/integrations", listings.integrations),
            ("/logs", listings.logs),
        ):
            self.router.add("GET", "/{cloud_id}/v1" + path, self._guarded(handler))

    def _guarded(self, handler: Callable[..., Record]) -> Callable[..., Record]:
        """The cloudId and the user's Operations role checked before ``handler``."""

        def guarded(request: Request, *, user: Record, cloud_id: str, **params: str) -> Record:
            if cloud_id != self.store.site.cloud_id:
                raise HttpProblem(404, {"message": "Could not find the requested resource."})
            if not user["operations"]:
                # Guess: the wording of the refusal for a user without an Operations role.
                raise HttpProblem(
                    403, {"message": "You do not have permission to perform this action."}
                )
            return handler(request, cloud_id, **params)

        return guarded


def _shaped(request: Request, site: str, item: Record, wanted: set[str]) -> Record:
    everything = bool(wanted & {"*all", "*navigable"})
    fields = {k: v for k, v in item["fields"].items() if everything or k in wanted}
    shaped: Record = {
        "id": item["id"],
        "key": item["key"],
        "self": f"{request.root_url}/{site}/rest/api/3/issue/{item['id']}",
    }
    if fields:
        shaped["fields"] = fields
    return shaped


def _int(value: str | None, *, default: int, name: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise jira_error(400, f"The value '{value}' is invalid for {name}.") from None


def _token(offset: int, jql: str) -> str:
    raw = json.dumps({"o": offset, "q": hashlib.sha256(jql.encode()).hexdigest()[:16]})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _offset(token: str | None, jql: str) -> int:
    """Guess: the token is opaque upstream; here it names the offset, for this JQL only."""
    if not token:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
        if decoded["q"] == hashlib.sha256(jql.encode()).hexdigest()[:16]:
            return max(int(decoded["o"]), 0)
    except (ValueError, KeyError, TypeError, binascii.Error):
        pass
    raise jira_error(400, "The nextPageToken is invalid or does not belong to this query.")
