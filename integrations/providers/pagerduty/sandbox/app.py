"""PagerDuty REST API v2 emulator for one region, as a plain WSGI app.

Faithful to reference/pagerduty-api.md where it is confirmed (auth header forms, error envelope
and codes, classic pagination with its 10,000 cap, the incident date window, rate-limit headers);
where upstream is unconfirmed, the choice is a named constant or marked `Guess:` so it is easy to
find and correct. The OAuth endpoints live in `identity` (the identity server, mounted at
/pagerduty/identity); this app accepts the bearer tokens held in `oauth_tokens`: the fixed ones
from SandboxKeys and those the identity server mints, each until its `expires_at`.
"""

from __future__ import annotations

import enum
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final

from integrations.providers.pagerduty.sandbox.config_routes import ConfigRoutes
from integrations.providers.pagerduty.sandbox.data import API_BASE, Record, reference
from integrations.providers.pagerduty.sandbox.log_entries import LogEntryRoutes
from integrations.providers.pagerduty.sandbox.params import (
    INCIDENT_STATUSES,
    URGENCIES,
    incident_sort,
    incident_sort_key,
    incident_window,
    invalid,
    matches_query,
    named,
    paged,
    problem,
    read_page,
    set_param,
    sort_by_name,
)
from integrations.providers.pagerduty.sandbox.store import PagerDutyStore
from integrations.sandbox.faults import Draw, Faults
from integrations.sandbox.wsgi import HttpProblem, Request, Response, Router, StartResponse

# Rate limits (reference §5.3): 960 requests a minute per credential.
RATE_LIMIT_PER_MINUTE: Final = 960
RATE_LIMIT_WINDOW_SECONDS: Final = 60

AUTH_FAILED: Final = {"message": "Authentication failed", "code": 2006}
NOT_FOUND: Final = {"message": "Not Found", "code": 2100}
INCIDENT_NOT_FOUND: Final = {"message": "Incident Not Found", "code": 5001}
RATE_LIMITED: Final = {"message": "Rate Limit Exceeded", "code": 2020}
MISSING_ABILITY: Final = {"message": "Missing Account Ability", "code": 2014}
# Guess: reference §2.7 says a token without the needed scope gets 403; code 2010 is "Access
# Denied" in the error table, the exact body is unconfirmed.
MISSING_SCOPE: Final = {"message": "Access Denied", "code": 2010}
USERS_ME_ACCOUNT_KEY: Final = (
    "Because this request was made using an account-level access token, we were unable to "
    "determine the user's identity. Please use a user-level token."
)

# What `include[]` of GET /users accepts (reference §4.2); anything else is a 400.
USER_INCLUDES: Final = ("contact_methods", "notification_rules", "teams", "subdomains")

# Guess: the name of the ability that gates the incident API is not documented.
INCIDENTS_ABILITY: Final = "incidents"
ACCOUNT_ABILITIES: Final = (
    INCIDENTS_ABILITY,
    "teams",
    "read_only_users",
    "service_support_hours",
    "urgencies",
    "advanced_permissions",
)


class KeyAccess(enum.Enum):
    FULL = "full"
    # The account's plan lacks the incident ability: 402 code 2014 on incident endpoints.
    NO_INCIDENT_ABILITY = "no_incident_ability"


@dataclass(frozen=True)
class Credential:
    """What one key or token may do. `scopes=None` means every read scope (API keys, `read`)."""

    access: KeyAccess = KeyAccess.FULL
    # Bearer OAuth tokens act as a user (the /users/me answer); API keys here are account keys.
    user_id: str | None = None
    scopes: frozenset[str] | None = None
    # Epoch seconds by the app's clock after which the token answers 401 (None: never expires).
    expires_at: float | None = None


class _RateWindow:
    """Per-credential request counts in fixed windows, for the `ratelimit-*` headers."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, int]] = {}

    def hit(self, credential: str) -> tuple[int, int]:
        """Count one request; returns (remaining, seconds until the window resets)."""
        now = self._clock()
        window = int(now // RATE_LIMIT_WINDOW_SECONDS)
        with self._lock:
            started, used = self._counts.get(credential, (window, 0))
            used = used + 1 if started == window else 1
            self._counts[credential] = (window, used)
        reset = (window + 1) * RATE_LIMIT_WINDOW_SECONDS - now
        return max(RATE_LIMIT_PER_MINUTE - used, 0), max(1, round(reset))


class PagerDutySandbox:
    """WSGI app answering like `https://api.pagerduty.com` (or the EU host) for one account."""

    def __init__(
        self,
        *,
        store: PagerDutyStore,
        api_keys: Mapping[str, KeyAccess | Credential],
        oauth_tokens: Mapping[str, Credential] | None = None,
        faults: Faults | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        enforce_rate_limit: bool = False,
    ) -> None:
        self.store = store
        self.api_keys = {
            key: value if isinstance(value, Credential) else Credential(value)
            for key, value in api_keys.items()
        }
        self.oauth_tokens = dict(oauth_tokens or {})
        self.faults = faults or Faults()
        # Off by default: test suites share keys and would trip 960/min; faults script 429s.
        self.enforce_rate_limit = enforce_rate_limit
        self._sleep = sleep
        self._clock = clock
        self._rate = _RateWindow(clock)
        self.router = Router()
        self.router.add("GET", "/incidents", self._list_incidents)
        self.router.add("GET", "/incidents/{identifier}", self._get_incident)
        self.router.add("GET", "/incidents/{identifier}/notes", self._list_notes)
        self.router.add("GET", "/incidents/{identifier}/log_entries", self._list_log_entries)
        self._log_entries = LogEntryRoutes(store)
        self.router.add("GET", "/services", self._list_services)
        self.router.add("GET", "/users", self._list_users)
        self.router.add("GET", "/users/me", self._users_me)
        self.router.add("GET", "/teams", self._list_teams)
        self.router.add("GET", "/teams/{identifier}/members", self._list_team_members)
        config = ConfigRoutes(store)
        self.router.add("GET", "/escalation_policies", config.list_policies)
        self.router.add("GET", "/escalation_policies/{identifier}", config.get_policy)
        self.router.add("GET", "/schedules", config.list_schedules)
        self.router.add("GET", "/schedules/{identifier}", config.get_schedule)
        self.router.add("GET", "/oncalls", config.list_oncalls)
        self.router.add("GET", "/business_services", config.list_business_services)
        self.router.add("GET", "/abilities", self._list_abilities)
        self.router.add("GET", "/abilities/{ability}", self._get_ability)
        self._scopes = {
            self._list_incidents: "incidents.read",
            self._get_incident: "incidents.read",
            self._list_notes: "incidents.read",
            self._list_log_entries: "incidents.read",
            self._list_services: "services.read",
            self._list_users: "users.read",
            self._list_teams: "teams.read",
            self._list_team_members: "teams.read",
            self._list_abilities: "abilities.read",
            self._get_ability: "abilities.read",
            config.list_policies: "escalation_policies.read",
            config.get_policy: "escalation_policies.read",
            config.list_schedules: "schedules.read",
            config.get_schedule: "schedules.read",
            config.list_oncalls: "oncalls.read",
            # Guess: the scope of business services is unconfirmed; services.read here.
            config.list_business_services: "services.read",
        }

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        delay = self.faults.delay()
        if delay:
            self._sleep(delay)
        return self.handle(Request.from_environ(environ))(start_response)

    def handle(self, request: Request) -> Response:
        request_id = uuid.uuid4().hex
        headers: list[tuple[str, str]] = [("x-request-id", request_id)]
        try:
            status, payload = self._dispatch(request, headers)
        except HttpProblem as problem:
            status, payload = problem.status, problem.body
        if isinstance(payload, _NoContent):
            response = Response(204, b"", headers)
        else:
            response = Response.json(status, payload, headers)
        # Stored links name the real API host; send clients back here instead.
        response.body = response.body.replace(
            API_BASE[self.store.region].encode(), request.root_url.encode()
        )
        if 200 <= status < 300 and self.faults.take_malformed():
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    def _dispatch(
        self, request: Request, headers: list[tuple[str, str]]
    ) -> tuple[int, dict[str, Any]]:
        secret, credential = self._authenticate(request)
        failure = self.faults.draw()
        remaining, reset = self._rate.hit(secret)
        if failure.rate_limited:
            remaining, reset = 0, failure.rate_limit_period_seconds
        headers += [
            ("ratelimit-limit", str(RATE_LIMIT_PER_MINUTE)),
            ("ratelimit-remaining", str(remaining)),
            ("ratelimit-reset", str(reset)),
        ]
        if failure.fails:
            return _fault(failure)
        if self.enforce_rate_limit and remaining == 0:
            raise problem(429, RATE_LIMITED)
        match = self.router.match(request.method, request.path)
        if match is None:
            raise problem(404, NOT_FOUND)
        if match.handler is None:
            headers.append(("Allow", ", ".join(sorted(match.allowed))))
            # Guess: the sandbox serves reads only; upstream would route writes elsewhere.
            raise problem(405, {"message": "Method Not Allowed", "code": 2100})
        scope = self._scopes.get(match.handler)
        if scope is not None and credential.scopes is not None and scope not in credential.scopes:
            raise problem(403, MISSING_SCOPE)
        if scope == "incidents.read" and credential.access is KeyAccess.NO_INCIDENT_ABILITY:
            raise problem(402, MISSING_ABILITY)
        payload = match.handler(request, credential, **match.params)
        return (204 if isinstance(payload, _NoContent) else 200), payload

    def _authenticate(self, request: Request) -> tuple[str, Credential]:
        header = request.headers.get("authorization", "").strip()
        scheme, _, rest = header.partition(" ")
        rest = rest.strip()
        credential: Credential | None = None
        if scheme == "Token" and rest.startswith("token="):
            # The form must match exactly (reference §1.2).
            secret = rest[len("token=") :]
            credential = self.api_keys.get(secret)
        elif scheme.lower() == "bearer":
            secret = rest
            credential = self.oauth_tokens.get(secret)
            expires_at = credential.expires_at if credential is not None else None
            if expires_at is not None and self._clock() >= expires_at:
                credential = None  # an expired OAuth token is a 401 (reference §2.7)
        if credential is None:
            # Same answer for missing, malformed, unknown and other-region credentials.
            raise problem(401, AUTH_FAILED)
        return secret, credential

    # --- incidents ----------------------------------------------------------------------------

    def _list_incidents(self, request: Request, credential: Credential) -> dict[str, Any]:
        page = read_page(request)
        statuses = set_param(request, "statuses", INCIDENT_STATUSES)
        urgencies = set_param(request, "urgencies", URGENCIES)
        service_ids = set_param(request, "service_ids")
        team_ids = set_param(request, "team_ids")
        user_ids = set_param(request, "user_ids")
        incident_key = request.arg("incident_key")
        order = incident_sort(request.arg("sort_by"))
        all_dates = request.arg("date_range") == "all"
        window = None if all_dates else incident_window(request, self.store.now_s)
        if request.arg("date_range") not in (None, "all"):
            raise problem(400, invalid("date_range"))

        def wanted(incident: Record) -> bool:
            if window is not None and not window[0] <= incident["created_at"] < window[1]:
                return False
            if statuses and incident["status"] not in statuses:
                return False
            if urgencies and incident["urgency"] not in urgencies:
                return False
            if service_ids and incident["service"]["id"] not in service_ids:
                return False
            if team_ids and not any(team["id"] in team_ids for team in incident["teams"]):
                return False
            if user_ids and not any(
                a["assignee"]["id"] in user_ids for a in incident["assignments"]
            ):
                return False
            return incident_key is None or incident["incident_key"] == incident_key

        matching = [incident for incident in self.store.incidents() if wanted(incident)]
        for field, descending in reversed(order):
            matching.sort(key=incident_sort_key(field, descending), reverse=descending)
        return paged("incidents", matching, page)

    def _get_incident(
        self, request: Request, credential: Credential, identifier: str
    ) -> dict[str, Any]:
        return {"incident": self._incident(identifier)}

    def _list_notes(
        self, request: Request, credential: Credential, identifier: str
    ) -> dict[str, Any]:
        # Not paginated upstream: no limit/offset/more (reference §3.3).
        return {"notes": self.store.notes(self._incident(identifier))}

    def _list_log_entries(
        self, request: Request, credential: Credential, identifier: str
    ) -> dict[str, Any]:
        return self._log_entries.list_log_entries(request, self._incident(identifier))

    def _incident(self, identifier: str) -> Record:
        incident = self.store.incident(identifier)
        if incident is None:
            raise problem(404, INCIDENT_NOT_FOUND)
        return incident

    # --- configuration ------------------------------------------------------------------------

    def _list_services(self, request: Request, credential: Credential) -> dict[str, Any]:
        page = read_page(request)
        descending = sort_by_name(request)
        services = named(request, self.store.services())
        services.sort(key=lambda s: (s["name"].casefold(), s["id"]), reverse=descending)
        return paged("services", services, page)

    def _list_users(self, request: Request, credential: Credential) -> dict[str, Any]:
        page = read_page(request)
        users = [
            user
            for user in self.store.users()
            if matches_query(request, user["name"]) or matches_query(request, user["email"])
        ]
        team_ids = set_param(request, "team_ids")
        if team_ids:
            users = [u for u in users if any(t["id"] in team_ids for t in u["teams"])]
        users.sort(key=lambda u: (u["name"].casefold(), u["id"]))
        answer = paged("users", users, page)
        if "teams" in set_param(request, "include", USER_INCLUDES):
            # Full team objects instead of references (reference §4.2). Guess: whether this
            # also needs teams.read under Scoped OAuth is unconfirmed; users.read suffices here.
            teams = {team["id"]: team for team in self.store.teams()}
            answer["users"] = [
                {**user, "teams": [teams.get(t["id"], t) for t in user["teams"]]}
                for user in answer["users"]
            ]
        return answer

    def _users_me(self, request: Request, credential: Credential) -> dict[str, Any]:
        if credential.user_id is None:
            # A bare string, not the usual error object (reference §4.2).
            raise problem(400, USERS_ME_ACCOUNT_KEY)
        user = next((u for u in self.store.users() if u["id"] == credential.user_id), None)
        if user is None:
            raise problem(404, NOT_FOUND)
        return {"user": user}

    def _list_teams(self, request: Request, credential: Credential) -> dict[str, Any]:
        page = read_page(request)
        teams = named(request, self.store.teams())
        teams.sort(key=lambda t: (t["name"].casefold(), t["id"]))
        return paged("teams", teams, page)

    def _list_team_members(
        self, request: Request, credential: Credential, identifier: str
    ) -> dict[str, Any]:
        """`{"members": [{"user": user_reference, "role": team role}], pagination}` (§4.3)."""
        page = read_page(request)
        if self.store.team(identifier) is None:
            raise problem(404, NOT_FOUND)
        members = [
            {"user": reference(user), "role": _team_role(user)}
            for user in self.store.users()
            if any(team["id"] == identifier for team in user["teams"])
        ]
        members.sort(key=lambda m: (m["user"]["summary"].casefold(), m["user"]["id"]))
        return paged("members", members, page)

    def _list_abilities(self, request: Request, credential: Credential) -> dict[str, Any]:
        return {"abilities": _abilities(credential)}

    def _get_ability(self, request: Request, credential: Credential, ability: str) -> Any:
        if ability in _abilities(credential):
            return _NoContent()
        if ability in ACCOUNT_ABILITIES:
            raise problem(402, MISSING_ABILITY)
        raise problem(404, NOT_FOUND)


class _NoContent(dict):  # type: ignore[type-arg]
    """Marks a 204 answer (GET /abilities/{id} when the account has it)."""


# --- helpers ----------------------------------------------------------------------------------


def _team_role(user: Record) -> str:
    """A member's team role (observer, responder or manager, reference §4.3), from the account
    role: the sandbox keeps none of its own."""
    if user["role"] in ("owner", "admin", "user"):
        return "manager"
    if user["role"] == "limited_user":
        return "responder"
    return "observer"


def _abilities(credential: Credential) -> list[str]:
    if credential.access is KeyAccess.NO_INCIDENT_ABILITY:
        return [a for a in ACCOUNT_ABILITIES if a != INCIDENTS_ABILITY]
    return list(ACCOUNT_ABILITIES)


def _fault(draw: Draw) -> tuple[int, dict[str, Any]]:
    if draw.rate_limited:
        return 429, {"error": RATE_LIMITED}
    status = draw.server_error_status or 500
    try:
        message = HTTPStatus(status).phrase
    except ValueError:
        message = "Server Error"
    # Guess: PagerDuty's 5xx bodies are undocumented; the usual envelope without a code.
    return status, {"error": {"message": message}}
