"""What a configuration object's snapshot stream yields (teams, escalations, schedules...), in
canonical form: each provider's reader maps its items to these when it reads (as ``mapping``
does for incidents), so the Data library stores and the readiness checks judge these fields,
never a provider's JSON. ``raw`` is kept only to be shown as upstream sent it.

The facts the readiness checks need are small records of their own (an escalation's targets, an
on-call timeline, a heartbeat's pings), kept as JSON in the stored row (``to_json``/``from_json``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from integrations.records import parse_upstream_time

Raw = dict[str, Any]

# What an escalation step notifies (Target.type).
PERSON, SCHEDULE, TEAM, ESCALATION = "person", "schedule", "team", "escalation"


def text(value: object) -> str:
    """A string field as upstream sent it, "" for anything else."""
    return value if isinstance(value, str) else ""


def mapping(value: object) -> Raw:
    return value if isinstance(value, dict) else {}


def items(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


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
class Target:
    """Whom an escalation notifies: a person, a schedule, a team or another escalation."""

    type: str
    upstream_id: str
    name: str


@dataclass(frozen=True)
class Escalation:
    """An escalation (or escalation policy) as the readiness checks judge it: the targets its
    steps notify, in order; whether it repeats; the services it names. ``steps_read`` is False
    when upstream sent it without its steps (it cannot be judged)."""

    steps_read: bool
    targets: tuple[Target, ...] = ()
    repeats: bool = False
    services: tuple[str, ...] = ()

    def to_json(self) -> Raw:
        return {
            "steps_read": self.steps_read,
            "targets": [[t.type, t.upstream_id, t.name] for t in self.targets],
            "repeats": self.repeats,
            "services": list(self.services),
        }

    @classmethod
    def from_json(cls, data: object) -> Escalation:
        data = mapping(data)
        return cls(
            steps_read=data.get("steps_read") is True,
            targets=tuple(Target(*map(str, t)) for t in items(data.get("targets"))),
            repeats=data.get("repeats") is True,
            services=tuple(text(s) for s in items(data.get("services"))),
        )


Period = tuple[datetime, datetime, Raw]  # from, to, who ({"id", "name"}; "" ids: nobody)


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

    def to_json(self) -> Raw:
        def iso(moment: datetime | None) -> str:
            return moment.isoformat() if moment else ""

        return {
            "start": iso(self.start),
            "end": iso(self.end),
            "periods": [[iso(lower), iso(upper), who] for lower, upper, who in self.periods],
        }

    @classmethod
    def from_json(cls, data: object) -> Timeline:
        data = mapping(data)
        periods: list[Period] = []
        for period in items(data.get("periods")):
            lower, upper, who = period
            periods.append((parse_upstream_time(lower), parse_upstream_time(upper), who))  # type: ignore[arg-type]
        return cls(
            parse_upstream_time(data.get("start")), parse_upstream_time(data.get("end")), periods
        )


@dataclass(frozen=True)
class Heartbeat:
    enabled: bool
    expired: bool
    last_ping: datetime | None

    def to_json(self) -> Raw:
        return {
            "enabled": self.enabled,
            "expired": self.expired,
            "last_ping": self.last_ping.isoformat() if self.last_ping else "",
        }

    @classmethod
    def from_json(cls, data: object) -> Heartbeat:
        data = mapping(data)
        last = parse_upstream_time(data.get("last_ping"))
        return cls(data.get("enabled") is True, data.get("expired") is True, last)


@dataclass(frozen=True)
class ConfigRecord:
    """One configuration object in canonical form: its name, owning team (its id, and its name
    when the item gives it; "" when none), a short state the kind defines ("enabled",
    "expired", "gap"...; "" when none), the objects it names, and the facts the readiness
    checks judge (``{"escalation": ...}``, ``{"timeline": ...}``, ``{"heartbeat": ...}`` as
    JSON). ``raw`` is the item as read, for display only."""

    upstream_id: str
    raw: Raw
    name: str = ""
    team_id: str = ""
    team: str = ""
    state: str = ""
    links: tuple[Link, ...] = ()
    facts: Raw = field(default_factory=dict)


def on_call_record(upstream_id: str, raw: Raw, read: Timeline, links: list[Link]) -> ConfigRecord:
    """An on-call record (a schedule's timeline, named after its ``_parent`` schedule): covered
    or with a gap, its periods kept for the checks."""
    name = text(mapping(raw.get("_parent")).get("name"))
    state = "gap" if read.gaps() else "covered"
    return ConfigRecord(
        upstream_id, raw, name, "", "", state, tuple(links), {"timeline": read.to_json()}
    )
