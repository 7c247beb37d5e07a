"""The registry of the Data library's configuration kinds: how each is labelled, which columns
and relations are read from its upstream item, and which filters fit it. Adding a kind is one
``Kind(...)`` here (and a stream that yields ``ConfigRecord``s under its name).

A kind is named after its stream ("teams", "heartbeats"...); the readers below read OpsGenie's
items (reference/opsgenie-api.md §5). Every reader takes whatever upstream sent: a field missing
or of the wrong type yields "" or nothing, never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from integrations.records import parse_upstream_time

Raw = dict[str, Any]
Period = tuple[datetime, datetime, Raw]  # from, to, who ({"id", "name"})


@dataclass(frozen=True)
class Timeline:
    """An on-call record's window and who is on call in it, sorted by start."""

    start: datetime | None
    end: datetime | None
    periods: list[Period]

    def gaps(self) -> list[tuple[datetime, datetime]]:
        """The stretches of the window where nobody is on call."""
        if self.start is None or self.end is None:
            return []
        holes, covered_to = [], self.start
        for period_start, period_end, _who in self.periods:
            if period_start > covered_to:
                holes.append((covered_to, min(period_start, self.end)))
            covered_to = max(covered_to, period_end)
        if covered_to < self.end:
            holes.append((covered_to, self.end))
        return [(lower, upper) for lower, upper in holes if upper > lower]


@dataclass(frozen=True)
class Link:
    """A relation as read from an item: ``relation`` of the object is ``target_kind`` object
    ``target_id`` (named ``target_name`` in the item; ``detail`` e.g. a member's role)."""

    relation: str
    target_kind: str
    target_id: str
    target_name: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Kind:
    name: str  # the stream's name, and the URL's: "teams"
    label: str  # "Teams"
    singular: str  # "team"
    about: str  # one line for the list page: what it is and how it is synced
    name_of: Callable[[Raw], str]
    # The owning team (id, name as the item gives it; "" when it does not): a column and filter.
    team_of: Callable[[Raw], tuple[str, str]] = lambda raw: ("", "")
    # A short state and the states the filter offers ((value, label)); none: no state column.
    state_of: Callable[[Raw], str] = lambda raw: ""
    states: tuple[tuple[str, str], ...] = ()
    links_of: Callable[[Raw], list[Link]] = lambda raw: []
    # On a record's page: the objects of other kinds that name this one (relation, heading).
    named_by: tuple[tuple[str, str], ...] = ()
    filters: tuple[str, ...] = field(default=("team",))
    # An on-call kind: its window and periods (the record page shows them, the gaps check
    # judges them); None for the others.
    timeline: Callable[[Raw], Timeline] | None = None
    # The kind holding the teams an item names by id only (its name is read from there).
    team_kind: str = "teams"
    provider: str = "opsgenie"


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> None:
    KINDS[kind.name] = kind


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: object) -> Raw:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _owner_team(raw: Raw) -> tuple[str, str]:
    team = _dict(raw.get("ownerTeam"))
    return _text(team.get("id")), _text(team.get("name"))


def _team_link(raw: Raw) -> list[Link]:
    team_id, name = _owner_team(raw)
    return [Link("team", "teams", team_id, name)] if team_id else []


# Upstream's recipient and participant types → the kind that holds them ("users" are not synced
# here: the access app reads the accounts; a link to one is shown as text).
_TARGET_KINDS = {
    "user": "users",
    "team": "teams",
    "schedule": "schedules",
    "escalation": "escalations",
}


def _recipient(relation: str, item: object, detail: str = "") -> list[Link]:
    item = _dict(item)
    kind = _TARGET_KINDS.get(_text(item.get("type")))
    target_id = _text(item.get("id"))
    if kind is None or not target_id:
        return []
    name = _text(item.get("name")) or _text(item.get("username"))
    return [Link(relation, kind, target_id, name, detail)]


def _enabled(raw: Raw) -> str:
    return "enabled" if raw.get("enabled") is True else "disabled"


ENABLED_STATES = (("enabled", "Enabled"), ("disabled", "Disabled"))
COVERED_STATES = (("covered", "Covered"), ("gap", "Has a gap"))


def _team_members(raw: Raw) -> list[Link]:
    links = []
    for member in _list(raw.get("members")):
        user = _dict(_dict(member).get("user"))
        if _text(user.get("id")):
            role = _text(_dict(member).get("role"))
            links.append(Link("member", "users", user["id"], _text(user.get("username")), role))
    return links


def _escalation_links(raw: Raw) -> list[Link]:
    links = _team_link(raw)
    for rule in _list(raw.get("rules")):
        delay = _dict(_dict(rule).get("delay"))
        after = f"after {delay.get('timeAmount', 0)} {_text(delay.get('timeUnit')) or 'minutes'}"
        links += _recipient("recipient", _dict(rule).get("recipient"), after)
    return links


def _schedule_links(raw: Raw) -> list[Link]:
    links = _team_link(raw)
    for rotation in _list(raw.get("rotations")):
        name = _text(_dict(rotation).get("name"))
        for participant in _list(_dict(rotation).get("participants")):
            links += _recipient("participant", participant, name)
    return links


def periods(raw: Raw) -> list[tuple[datetime, datetime, Raw]]:
    """An on-call item's periods (from its final timeline), sorted by start."""
    found = []
    for rotation in _list(_dict(raw.get("finalTimeline")).get("rotations")):
        for period in _list(_dict(rotation).get("periods")):
            start = parse_upstream_time(_dict(period).get("startDate"))
            end = parse_upstream_time(_dict(period).get("endDate"))
            if start and end and end > start:
                found.append((start, end, _dict(_dict(period).get("recipient"))))
    return sorted(found, key=lambda found_period: found_period[0])


def timeline(raw: Raw) -> Timeline:
    """An OpsGenie on-call item (a schedule's final timeline) as a Timeline."""
    start = parse_upstream_time(raw.get("startDate"))
    return Timeline(start, parse_upstream_time(raw.get("endDate")), periods(raw))


def gaps(raw: Raw) -> list[tuple[datetime, datetime]]:
    """The stretches of an OpsGenie on-call item's window where nobody is on call."""
    return timeline(raw).gaps()


def _on_call_links(raw: Raw) -> list[Link]:
    parent = _dict(raw.get("_parent"))
    links = []
    if _text(parent.get("id")):
        links.append(Link("schedule", "schedules", parent["id"], _text(parent.get("name"))))
    seen: set[str] = set()
    for _start, _end, recipient in periods(raw):
        key = _text(recipient.get("id"))
        if key and key not in seen:
            seen.add(key)
            links += _recipient("on_call", recipient)
    return links


def _heartbeat_state(raw: Raw) -> str:
    if raw.get("enabled") is not True:
        return "disabled"
    return "expired" if raw.get("expired") is True else "alive"


def _integration_team(raw: Raw) -> tuple[str, str]:
    return _text(raw.get("teamId")), ""


def _integration_links(raw: Raw) -> list[Link]:
    team_id = _text(raw.get("teamId"))
    return [Link("team", "teams", team_id)] if team_id else []


def _name(raw: Raw) -> str:
    return _text(raw.get("name"))


def _on_call_name(raw: Raw) -> str:
    return _text(_dict(raw.get("_parent")).get("name"))


OPSGENIE_KINDS = (
    Kind(
        name="teams",
        label="Teams",
        singular="team",
        about="Teams with their members (GET /v2/teams, then each team).",
        name_of=_name,
        links_of=_team_members,
        named_by=(
            ("team", "Schedules, escalations, heartbeats and integrations of this team"),
            ("recipient", "Escalations that notify this team"),
        ),
        filters=(),
    ),
    Kind(
        name="escalations",
        label="Escalations",
        singular="escalation",
        about="Escalations with their rules and repeat (GET /v2/escalations).",
        name_of=_name,
        team_of=_owner_team,
        links_of=_escalation_links,
    ),
    Kind(
        name="schedules",
        label="Schedules",
        singular="schedule",
        about="On-call schedules with their rotations (GET /v2/schedules?expand=rotation).",
        name_of=_name,
        team_of=_owner_team,
        state_of=_enabled,
        states=ENABLED_STATES,
        links_of=_schedule_links,
        named_by=(
            ("recipient", "Escalations that notify this schedule"),
            ("schedule", "Who is on call"),
        ),
        filters=("team", "state"),
    ),
    Kind(
        name="on_calls",
        label="On-calls",
        singular="on-call timeline",
        about="Who is on call now and for the next 14 days, per schedule (its final timeline).",
        name_of=_on_call_name,
        state_of=lambda raw: "gap" if gaps(raw) else "covered",
        states=COVERED_STATES,
        links_of=_on_call_links,
        filters=("state",),
        timeline=timeline,
    ),
    Kind(
        name="heartbeats",
        label="Heartbeats",
        singular="heartbeat",
        about="Monitoring heartbeats (GET /v2/heartbeats).",
        name_of=_name,
        team_of=_owner_team,
        state_of=_heartbeat_state,
        states=(("alive", "Alive"), ("expired", "Expired"), ("disabled", "Disabled")),
        links_of=_team_link,
        filters=("team", "state"),
    ),
    Kind(
        name="integrations",
        label="Integrations",
        singular="integration",
        about="Integrations sending alerts (GET /v2/integrations).",
        name_of=_name,
        team_of=_integration_team,
        state_of=_enabled,
        states=ENABLED_STATES,
        links_of=_integration_links,
        filters=("team", "state"),
    ),
)

for _kind in OPSGENIE_KINDS:
    register_kind(_kind)
