"""The sandbox's listings under a parent, and its incident templates (``parents_data``): alert
policies (global, or a team's with ``teamId``) and one policy by id; a schedule's overrides; a
service's incident rules; the incident templates, paged by ``offset`` and ``limit`` with
``data.incidentTemplates``. Every one needs a key with Configuration access (the app checks it
for the handlers ``routes`` names); an unknown team, schedule, service or policy is 404, a
parameter it cannot honour 422, each with upstream's error envelope.

Guess: the exact 404 wordings, the templates' sort (by name, ascending) and their key in
``data`` are unconfirmed upstream.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from integrations.providers.opsgenie.sandbox.config_api import UNPROCESSABLE
from integrations.providers.opsgenie.sandbox.data import Record
from integrations.providers.opsgenie.sandbox.paging import page_params, paged
from integrations.providers.opsgenie.sandbox.parents_data import (
    policy_summary,
    service_incident_rules,
)
from integrations.providers.opsgenie.sandbox.rules_api import IDENTIFIER_TYPES
from integrations.providers.opsgenie.sandbox.store import OpsGenieStore
from integrations.sandbox.wsgi import HttpProblem, Request

TEMPLATES_KEY: Final = "incidentTemplates"
TEMPLATE_SORTS: Final = {"name": "name"}
TEMPLATE_DEFAULT_LIMIT: Final = 20  # Guess: upstream's default is unconfirmed; its usual 20.

Handler = Callable[..., dict[str, Any]]


class ParentsApi:
    def __init__(self, store: OpsGenieStore) -> None:
        self.store = store

    def routes(self) -> list[tuple[str, str, Handler]]:
        # The listing first: "alert" is not a policy id.
        return [
            ("GET", "/v2/policies/alert", self.list_alert_policies),
            ("GET", "/v2/policies/{identifier}", self.get_policy),
            ("GET", "/v2/schedules/{identifier}/overrides", self.list_overrides),
            ("GET", "/v1/services/{identifier}/incident-rules", self.list_incident_rules),
            ("GET", "/v1/incident-templates", self.list_incident_templates),
        ]

    def _policies(self, request: Request) -> list[Record]:
        """The global policies, or those of the team ``teamId`` names (404 if none does)."""
        team_id = request.arg("teamId") or ""
        if team_id and self.store.team(team_id) is None:
            raise HttpProblem(404, {"message": f"Team with id [{team_id}] does not exist."})
        with self.store.lock:
            return list(self.store.parents.alert_policies.get(team_id, []))

    def list_alert_policies(self, request: Request) -> dict[str, Any]:
        return {"data": [policy_summary(p) for p in self._policies(request)]}

    def get_policy(self, request: Request, identifier: str) -> dict[str, Any]:
        found = next((p for p in self._policies(request) if p["id"] == identifier), None)
        if found is None:
            raise HttpProblem(404, {"message": f"Policy with id [{identifier}] does not exist."})
        return {"data": found}

    def list_overrides(self, request: Request, identifier: str) -> dict[str, Any]:
        kind = (request.arg("scheduleIdentifierType") or "id").lower()
        if kind not in IDENTIFIER_TYPES:
            raise _unprocessable(
                {"scheduleIdentifierType": "Identifier type should be one of [id, name]"}
            )
        schedule = self.store.schedule(identifier, by_name=kind == "name")
        if schedule is None:
            # The wording of config_api's schedule 404.
            raise HttpProblem(
                404, {"message": f"Schedule with {kind} [{identifier}] does not exist."}
            )
        with self.store.lock:
            return {"data": list(self.store.parents.overrides.get(schedule["id"], []))}

    def list_incident_rules(self, request: Request, identifier: str) -> dict[str, Any]:
        service = next((s for s in self.store.services() if s["id"] == identifier), None)
        if service is None:
            raise HttpProblem(404, {"message": f"Service with id [{identifier}] not found."})
        return {"data": service_incident_rules(service)}

    def list_incident_templates(self, request: Request) -> dict[str, Any]:
        errors: dict[str, str] = {}
        page = page_params(
            request,
            errors,
            default_limit=TEMPLATE_DEFAULT_LIMIT,
            sorts=TEMPLATE_SORTS,
            default_sort="name",
            default_order="asc",
            max_offset=None,
        )
        if errors:
            raise _unprocessable(errors)
        with self.store.lock:
            templates = sorted(
                self.store.parents.incident_templates,
                key=lambda item: (item["name"].casefold(), item["id"]),
                reverse=page.order == "desc",
            )
        body = paged(request, page, templates, lambda item: item)
        return {**body, "data": {TEMPLATES_KEY: body["data"]}}


def _unprocessable(errors: dict[str, str]) -> HttpProblem:
    return HttpProblem(422, {"message": UNPROCESSABLE, "errors": errors})
