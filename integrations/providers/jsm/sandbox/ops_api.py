"""The emulated Ops API's listings (under ``/{cloudId}/v1``): alerts with the subset of
OpsGenie's query syntax our client sends, teams, each team's escalations, heartbeats and
routing rules, schedules with their timelines and on-calls, integrations, the audit logs.
Every listing answers ``{values, links: {next}}`` paged by ``size`` (1..100) and ``offset``,
refused once offset + size reaches 20,000 (Guess: upstream's wording; 400 as for a bad size).
``links.next`` of the configuration listings is relative to the cloudId's root, as the public
heartbeats example shows; the alerts' is absolute."""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import urlencode

from integrations.providers.jsm.sandbox.data import DAY_MS, Record
from integrations.providers.jsm.sandbox.ops_data import OpsConfiguration, timeline
from integrations.sandbox.wsgi import HttpProblem, Request

MAX_OFFSET: Final = 20_000
MAX_SIZE: Final = 100
SORTS: Final = frozenset({"createdAt", "insertedAt", "lastOccurredAt", "priority"})
UNITS_MS: Final = {"days": DAY_MS, "weeks": 7 * DAY_MS, "months": 31 * DAY_MS}
_TIME_TERM = re.compile(r"(createdAt|updatedAt)\s*(>=|>|<=|<)\s*(\d{1,15})")
_STATUS_TERM = re.compile(r"status\s*:\s*(open|closed)", re.I)
_ID_TERM = re.compile(r'alertId\s*:\s*"([^"]{1,200})"')
Predicate = Callable[[Record], bool]


def problem(status: int, message: str) -> HttpProblem:
    # Guess: the Ops API's error body.
    return HttpProblem(status, {"message": message})


def number(request: Request, name: str, default: int) -> int:
    value = request.arg(name)
    if value in (None, ""):
        return default
    try:
        return int(value)  # type: ignore[arg-type]
    except ValueError:
        raise problem(400, f"{name} must be a number") from None


def paged(request: Request, values: list[Any], next_base: str) -> Record:
    size = number(request, "size", 20)
    offset = number(request, "offset", 0)
    if not 0 < size <= MAX_SIZE or offset < 0 or offset + size >= MAX_OFFSET:
        raise problem(400, "size must be 1..100 and offset + size below 20000")
    body: Record = {"values": values[offset : offset + size], "links": {}}
    if offset + size < len(values):
        extra = [(k, v) for k, v in request.query_items if k not in {"size", "offset"}]
        query = urlencode([*extra, ("size", size), ("offset", offset + size)])
        body["links"]["next"] = f"{next_base}?{query}"
    return body


def iso_ms(value: str) -> int:
    """``2026-06-01T10:00:00.123Z`` → epoch milliseconds."""
    seconds = calendar.timegm(time.strptime(value[:19], "%Y-%m-%dT%H:%M:%S"))
    millis = int(value[20:23]) if len(value) > 22 and value[19] == "." else 0
    return seconds * 1000 + millis


def alert_query(query: str) -> Predicate:
    """The clauses our client sends, joined by AND: ``createdAt>=ms``, ``updatedAt>=ms``,
    ``status:open``, and ``(alertId:"a" OR alertId:"b")``; anything else is refused (422)."""
    tests: list[Predicate] = []
    for clause in (c.strip() for c in query.split(" AND ") if c.strip()):
        if match := _TIME_TERM.fullmatch(clause):
            tests.append(_time_test(match.group(1), match.group(2), int(match.group(3))))
        elif match := _STATUS_TERM.fullmatch(clause):
            wanted = match.group(1).lower()
            tests.append(lambda alert, wanted=wanted: alert["status"] == wanted)
        elif ids := _ids(clause):
            tests.append(lambda alert, ids=ids: alert["id"] in ids)
        else:
            raise problem(422, f"Invalid query: {clause[:100]}")
    return lambda alert: all(test(alert) for test in tests)


def _ids(clause: str) -> frozenset[str]:
    inner = clause[1:-1] if clause.startswith("(") and clause.endswith(")") else clause
    terms = [term.strip() for term in inner.split(" OR ")]
    found = [_ID_TERM.fullmatch(term) for term in terms]
    return frozenset(m.group(1) for m in found if m) if all(found) else frozenset()


def _time_test(field: str, op: str, bound: int) -> Predicate:
    compare = {
        ">=": lambda v: v >= bound,
        ">": lambda v: v > bound,
        "<=": lambda v: v <= bound,
        "<": lambda v: v < bound,
    }[op]
    return lambda alert: compare(iso_ms(alert.get(field) or alert["createdAt"]))


class OpsListings:
    """The handlers, over the site's alerts and its Operations configuration."""

    def __init__(self, alerts: Callable[[], list[Record]], config: OpsConfiguration) -> None:
        self.all_alerts = alerts
        self.config = config

    def alerts(self, request: Request, cloud_id: str) -> Record:
        sort = request.arg("sort") or "createdAt"
        order = (request.arg("order") or "desc").lower()
        if sort not in SORTS or order not in {"asc", "desc"}:
            raise problem(422, f"Invalid sort: {sort[:40]} {order[:10]}")
        found = [a for a in self.all_alerts() if alert_query(request.arg("query") or "")(a)]
        key = (lambda a: iso_ms(a["createdAt"])) if sort != "priority" else _priority
        found.sort(key=lambda a: (key(a), a["id"]), reverse=order == "desc")
        return paged(request, found, f"{request.root_url}/{cloud_id}/v1/alerts")

    def teams(self, request: Request, cloud_id: str) -> Record:
        return paged(request, self.config.teams, "/v1/teams")

    def _team(self, team_id: str) -> str:
        if not any(team["teamId"] == team_id for team in self.config.teams):
            raise problem(404, f"Team {team_id[:60]} does not exist")
        return team_id

    def escalations(self, request: Request, cloud_id: str, team_id: str) -> Record:
        found = self.config.escalations[self._team(team_id)]
        return paged(request, found, f"/v1/teams/{team_id}/escalations")

    def heartbeats(self, request: Request, cloud_id: str, team_id: str) -> Record:
        found = self.config.heartbeats[self._team(team_id)]
        return paged(request, found, f"/v1/teams/{team_id}/heartbeats")

    def routing_rules(self, request: Request, cloud_id: str, team_id: str) -> Record:
        found = self.config.routing_rules[self._team(team_id)]
        return paged(request, found, f"/v1/teams/{team_id}/routing-rules")

    def logs(self, request: Request, cloud_id: str) -> Record:
        """The audit log, newest first unless ``order=asc`` (Guess: the alerts' parameter)."""
        order = (request.arg("order") or "desc").lower()
        if order not in {"asc", "desc"}:
            raise problem(422, f"Invalid order: {order[:10]}")
        found = sorted(
            self.config.logs, key=lambda log: (log["createdAt"], log["id"]), reverse=order == "desc"
        )
        return paged(request, found, "/v1/logs")

    def schedules(self, request: Request, cloud_id: str) -> Record:
        return paged(request, self.config.schedules, "/v1/schedules")

    def integrations(self, request: Request, cloud_id: str) -> Record:
        return paged(request, self.config.integrations, "/v1/integrations")

    def timeline(self, request: Request, cloud_id: str, schedule_id: str) -> Record:
        """``interval`` (1..) of ``intervalUnit`` (days, weeks, months; Guess: OpsGenie's
        names) from now, or from ``date`` (epoch ms, Guess)."""
        self._schedule(schedule_id)
        unit = request.arg("intervalUnit") or "weeks"
        interval = number(request, "interval", 1)
        if unit not in UNITS_MS or not 0 < interval <= 12:
            raise problem(422, "interval must be 1..12 days, weeks or months")
        start = number(request, "date", self.config.now_ms)
        return timeline(self.config, schedule_id, start, start + interval * UNITS_MS[unit])

    def on_calls(self, request: Request, cloud_id: str, schedule_id: str) -> Record:
        """Who is on call now (Guess: the shape, OpsGenie's ``onCallParticipants``)."""
        self._schedule(schedule_id)
        now = self.config.now_ms
        rotation = timeline(self.config, schedule_id, now, now + 1)["finalTimeline"]
        periods = rotation["rotations"][0]["periods"]
        people = [p["responder"] for p in periods if p["responder"]["type"] != "noone"]
        return {"onCallParticipants": people}

    def _schedule(self, schedule_id: str) -> None:
        if schedule_id not in self.config.rotations:
            raise problem(404, f"Schedule {schedule_id[:60]} does not exist")


def _priority(alert: Record) -> str:
    return str(alert.get("priority") or "P5")
