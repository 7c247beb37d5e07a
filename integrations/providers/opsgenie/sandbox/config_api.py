"""The sandbox's configuration listings (reference/opsgenie-api.md §5): escalations, schedules
(rotations with ``expand=rotation``), a schedule's timeline, heartbeats and integrations. None
is paged upstream; heartbeats come wrapped in ``data.heartbeats``, while one heartbeat read
by name comes bare in ``data``. Every one needs a key with Configuration access (the app
checks it for the handlers ``routes`` names)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from integrations.providers.opsgenie.sandbox.config_data import DAY_MS, WEEK_MS, timeline
from integrations.providers.opsgenie.sandbox.data import Record, iso_ms
from integrations.providers.opsgenie.sandbox.store import OpsGenieStore
from integrations.sandbox.wsgi import HttpProblem, Request

UNPROCESSABLE: Final = "Request body is not processable. Please check the errors."
SCHEDULE_EXPANDS: Final = ("rotation",)
TIMELINE_EXPANDS: Final = ("base", "forwarding", "override")
# Interval units of the timeline; months counted as 31 days (Guess: upstream's calendar month).
INTERVAL_UNITS: Final = {"days": DAY_MS, "weeks": WEEK_MS, "months": 31 * DAY_MS}

Handler = Callable[..., dict[str, Any]]


class ConfigApi:
    def __init__(self, store: OpsGenieStore) -> None:
        self.store = store

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("GET", "/v2/escalations", self.list_escalations),
            ("GET", "/v2/schedules", self.list_schedules),
            ("GET", "/v2/schedules/{identifier}/timeline", self.schedule_timeline),
            ("GET", "/v2/heartbeats", self.list_heartbeats),
            ("GET", "/v2/heartbeats/{name}", self.get_heartbeat),
            ("GET", "/v2/integrations", self.list_integrations),
        ]

    def list_escalations(self, request: Request) -> dict[str, Any]:
        with self.store.lock:
            return {"data": list(self.store.configuration.escalations)}

    def list_schedules(self, request: Request) -> dict[str, Any]:
        expand = _expands(request, SCHEDULE_EXPANDS)
        with self.store.lock:
            schedules = list(self.store.configuration.schedules)
        if "rotation" not in expand:
            schedules = [{k: v for k, v in s.items() if k != "rotations"} for s in schedules]
        return {"data": schedules, "expandable": ["rotation"]}

    def schedule_timeline(self, request: Request, identifier: str) -> dict[str, Any]:
        """``data{_parent, startDate, endDate, finalTimeline{rotations[{periods}]}}``; 1 week
        from now by default (``interval``, ``intervalUnit``, ``date``)."""
        errors: dict[str, str] = {}
        kind = request.arg("scheduleIdentifierType") or request.arg("identifierType") or "id"
        if kind not in ("id", "name"):
            errors["identifierType"] = "Identifier type should be one of [id, name]"
        _expands(request, TIMELINE_EXPANDS, errors)
        unit = request.arg("intervalUnit") or "weeks"
        if unit not in INTERVAL_UNITS:
            errors["intervalUnit"] = f"Interval unit should be one of [{', '.join(INTERVAL_UNITS)}]"
        interval = _interval(request.arg("interval"), errors)
        start_ms = _date(request.arg("date"), errors, default=self.store.now_ms)
        if errors:
            raise _unprocessable(errors)
        schedule = self._schedule(identifier, by_name=kind == "name")
        end_ms = start_ms + interval * INTERVAL_UNITS[unit]
        rotations = timeline(schedule, start_ms=start_ms, end_ms=end_ms)
        return {
            "data": {
                "_parent": {
                    "id": schedule["id"],
                    "name": schedule["name"],
                    "enabled": schedule["enabled"],
                },
                "startDate": iso_ms(start_ms),
                "endDate": iso_ms(end_ms),
                "finalTimeline": {"rotations": rotations},
            },
            "expandable": list(TIMELINE_EXPANDS),
        }

    def list_heartbeats(self, request: Request) -> dict[str, Any]:
        with self.store.lock:
            return {"data": {"heartbeats": list(self.store.configuration.heartbeats)}}

    def get_heartbeat(self, request: Request, name: str) -> dict[str, Any]:
        """One heartbeat by its name, bare in ``data`` (OAS ``GetHeartbeatResponse``)."""
        with self.store.lock:
            found = next(
                (h for h in self.store.configuration.heartbeats if h["name"] == name), None
            )
        if found is None:
            # Guess: the exact 404 wording is unconfirmed upstream.
            raise HttpProblem(404, {"message": f"Heartbeat with name [{name}] does not exist."})
        return {"data": found}

    def list_integrations(self, request: Request) -> dict[str, Any]:
        """``type``, ``teamId`` and ``teamName`` narrow the listing; an unknown team is 404."""
        with self.store.lock:
            items = list(self.store.configuration.integrations)
        if kind := request.arg("type"):
            items = [item for item in items if item["type"] == kind]
        team_id = request.arg("teamId")
        if team_name := request.arg("teamName"):
            team = self.store.team(team_name, by_name=True)
            if team is None:
                raise HttpProblem(404, {"message": f"Team with name [{team_name}] does not exist."})
            team_id = team["id"]
        if team_id:
            items = [item for item in items if item.get("teamId") == team_id]
        return {"data": items}

    def _schedule(self, identifier: str, *, by_name: bool) -> Record:
        key = "name" if by_name else "id"
        found = self.store.schedule(identifier, by_name=by_name)
        if found is None:
            # Guess: the exact 404 wording is unconfirmed upstream.
            raise HttpProblem(
                404, {"message": f"Schedule with {key} [{identifier}] does not exist."}
            )
        return found


def _expands(
    request: Request, allowed: tuple[str, ...], errors: dict[str, str] | None = None
) -> set[str]:
    asked = {part.strip() for part in (request.arg("expand") or "").split(",") if part.strip()}
    unknown = sorted(asked - set(allowed))
    if unknown:
        message = f"Expand should be one of [{', '.join(allowed)}]"
        if errors is None:
            raise _unprocessable({"expand": message})
        errors["expand"] = message
    return asked


def _interval(raw: str | None, errors: dict[str, str]) -> int:
    if raw is None or raw == "":
        return 1
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 365:
        errors["interval"] = "Interval should be a number between 1 and 365."
        return 1
    return value


def _date(raw: str | None, errors: dict[str, str], *, default: int) -> int:
    if not raw:
        return default
    try:
        return int(datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp() * 1000)
    except (ValueError, OverflowError, OSError):
        errors["date"] = "Date should be an ISO-8601 date-time."
        return default


def _unprocessable(errors: dict[str, str]) -> HttpProblem:
    return HttpProblem(422, {"message": UNPROCESSABLE, "errors": errors})
