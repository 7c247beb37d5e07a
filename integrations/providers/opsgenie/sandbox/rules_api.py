"""The sandbox's remaining configuration listings (``rules_data``): a team's routing rules, roles
and logs; maintenances; custom user roles; forwarding rules; a user's notification rules and
contacts. None is paged upstream but the team logs (an opaque ``offset`` key, ``data{offset,
logs}``). Every one needs a key with Configuration access (the app checks it for the handlers
``routes`` names); an unknown team, user or maintenance is 404, a parameter it cannot honour
422, each with upstream's error envelope.

Guess: upstream's team-log ``offset`` is an opaque key; here it is the ``createdDate`` (epoch
ms) of the page's last log, and a page past the end has no logs and the same key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from integrations.providers.opsgenie.sandbox.config_api import UNPROCESSABLE
from integrations.providers.opsgenie.sandbox.data import Record, parse_iso_ms
from integrations.providers.opsgenie.sandbox.rules_data import (
    maintenance_status,
    user_contacts,
    user_notification_rules,
)
from integrations.providers.opsgenie.sandbox.store import OpsGenieStore
from integrations.sandbox.wsgi import HttpProblem, Request

MAINTENANCE_TYPES: Final = ("all", "past", "non-expired")
IDENTIFIER_TYPES: Final = ("id", "name")
LOG_LIMIT: Final = (1, 100)
LOG_DEFAULT_LIMIT: Final = 20  # Guess: upstream's default is unconfirmed; its lists' usual 20.

Handler = Callable[..., dict[str, Any]]


class RulesApi:
    def __init__(self, store: OpsGenieStore) -> None:
        self.store = store

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", "/v2/teams/{identifier}/routing-rules", self.list_routing_rules),
            ("GET", "/v2/teams/{identifier}/roles", self.list_team_roles),
            ("GET", "/v2/teams/{identifier}/logs", self.list_team_logs),
            ("GET", "/v1/maintenance", self.list_maintenance),
            ("GET", "/v1/maintenance/{identifier}", self.get_maintenance),
            ("GET", "/v2/roles", self.list_custom_roles),
            ("GET", "/v2/forwarding-rules", self.list_forwarding_rules),
            ("GET", "/v2/users/{identifier}/notification-rules", self.list_notification_rules),
            ("GET", "/v2/users/{identifier}/contacts", self.list_contacts),
        ]

    # --- a team's ------------------------------------------------------------------------------

    def list_routing_rules(self, request: Request, identifier: str) -> dict[str, Any]:
        team = self._team(request, identifier, "teamIdentifierType")
        with self.store.lock:
            rules = sorted(self.store.rules.routing_rules.get(team["id"], []), key=_order)
        return {"data": rules}

    def list_team_roles(self, request: Request, identifier: str) -> dict[str, Any]:
        team = self._team(request, identifier, "teamIdentifierType")
        with self.store.lock:
            return {"data": list(self.store.rules.team_roles.get(team["id"], []))}

    def list_team_logs(self, request: Request, identifier: str) -> dict[str, Any]:
        """``data{offset, logs[{owner, createdDate, log}]}``, newest first by default."""
        errors: dict[str, str] = {}
        limit = _limit(request.arg("limit"), errors)
        order = (request.arg("order") or "desc").lower()
        if order not in ("asc", "desc"):
            errors["order"] = "Order should be one of [asc, desc]."
        key = request.arg("offset") or ""
        if key and not key.isdigit():
            errors["offset"] = "Offset should be a key a previous page answered."
        if (request.arg("identifierType") or "id").lower() not in IDENTIFIER_TYPES:
            errors["identifierType"] = "Identifier type should be one of [id, name]"
        if errors:
            raise _unprocessable(errors)
        team = self._team(request, identifier, "identifierType")
        with self.store.lock:
            logs = list(self.store.rules.team_logs.get(team["id"], []))
        if order == "desc":
            logs.reverse()
        if key:
            # The page after the key: older logs going down, newer going up.
            sign = -1 if order == "desc" else 1
            logs = [log for log in logs if sign * (parse_iso_ms(log["createdDate"]) - int(key)) > 0]
        page = logs[:limit]
        offset = str(parse_iso_ms(page[-1]["createdDate"])) if page else key
        return {"data": {"offset": offset, "logs": page}}

    def _team(self, request: Request, identifier: str, param: str) -> Record:
        kind = (request.arg(param) or "id").lower()
        if kind not in IDENTIFIER_TYPES:
            raise _unprocessable({param: "Identifier type should be one of [id, name]"})
        team = self.store.team(identifier, by_name=kind == "name")
        if team is None:
            # Guess: the exact 404 wording is unconfirmed upstream.
            raise HttpProblem(404, {"message": f"Team with {kind} [{identifier}] does not exist."})
        return team

    # --- the account's -------------------------------------------------------------------------

    def list_maintenance(self, request: Request) -> dict[str, Any]:
        """``type``: all (default), past, or non-expired (active and planned)."""
        kind = request.arg("type") or "all"
        if kind not in MAINTENANCE_TYPES:
            message = f"Type should be one of [{', '.join(MAINTENANCE_TYPES)}]"
            raise _unprocessable({"type": message})
        items = [self._maintenance(item) for item in self._maintenances()]
        if kind == "past":
            items = [item for item in items if item["status"] == "past"]
        elif kind == "non-expired":
            items = [item for item in items if item["status"] in ("active", "planned")]
        return {"data": items}

    def get_maintenance(self, request: Request, identifier: str) -> dict[str, Any]:
        found = next((m for m in self._maintenances() if m["id"] == identifier), None)
        if found is None:
            # Guess: the exact 404 wording is unconfirmed upstream.
            raise HttpProblem(
                404, {"message": f"Maintenance with id [{identifier}] does not exist."}
            )
        return {"data": {**self._maintenance(found), "rules": []}}

    def _maintenances(self) -> list[Record]:
        with self.store.lock:
            return list(self.store.rules.maintenances)

    def _maintenance(self, item: Record) -> Record:
        with self.store.lock:
            cancelled = set(self.store.rules.cancelled)
        status = maintenance_status(item, now_ms=self.store.now_ms, cancelled=cancelled)
        return {**item, "status": status}

    def list_custom_roles(self, request: Request) -> dict[str, Any]:
        with self.store.lock:
            return {"data": list(self.store.rules.custom_roles)}

    def list_forwarding_rules(self, request: Request) -> dict[str, Any]:
        with self.store.lock:
            return {"data": list(self.store.rules.forwarding_rules)}

    # --- a user's ------------------------------------------------------------------------------

    def list_notification_rules(self, request: Request, identifier: str) -> dict[str, Any]:
        return {"data": user_notification_rules(self._user(identifier))}

    def list_contacts(self, request: Request, identifier: str) -> dict[str, Any]:
        return {"data": user_contacts(self._user(identifier))}

    def _user(self, identifier: str) -> Record:
        user = self.store.user(identifier)
        if user is None:
            # Guess: the exact 404 wording is unconfirmed upstream (as for a user's teams).
            raise HttpProblem(404, {"message": f"User with identifier [{identifier}] not found."})
        return user


def _order(rule: Record) -> tuple[int, str]:
    return (int(rule.get("order", 0)), rule["id"])


def _limit(raw: str | None, errors: dict[str, str]) -> int:
    low, high = LOG_LIMIT
    if raw is None or raw == "":
        return LOG_DEFAULT_LIMIT
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not low <= value <= high:
        errors["limit"] = f"Limit should be between {low} and {high}."
        return LOG_DEFAULT_LIMIT
    return value


def _unprocessable(errors: dict[str, str]) -> HttpProblem:
    return HttpProblem(422, {"message": UNPROCESSABLE, "errors": errors})
