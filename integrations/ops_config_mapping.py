"""Canonical facts from the configuration shapes OpsGenie and its successor, Jira Service
Management Operations, share: an escalation's rules (each a delay and a ``recipient`` of a type
and an id) and repeat, a schedule's final timeline (rotations of periods, each with who is
on call), a team's routing rule (``notify``: an escalation, a schedule or nobody) and the key of
a log entry upstream gives no id. Both providers' mappers read them here (provider packages
never import each other). A field missing or of the wrong type yields nothing, never an error."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping

from integrations.config_records import (
    ESCALATION,
    PERSON,
    SCHEDULE,
    TEAM,
    ConfigRecord,
    Escalation,
    Link,
    Period,
    Raw,
    Target,
    Timeline,
    items,
    mapping,
    text,
)
from integrations.records import parse_upstream_time

# Upstream's recipient types → the canonical target an escalation's rule notifies.
TARGETS = {"user": PERSON, "team": TEAM, "schedule": SCHEDULE, "escalation": ESCALATION}


def escalation(raw: Raw) -> Escalation:
    """Each rule's recipient, in rule order (rules naming none left out), and the repeat."""
    targets = []
    for rule in items(raw.get("rules")):
        recipient = mapping(mapping(rule).get("recipient"))
        kind = TARGETS.get(text(recipient.get("type")).lower())
        upstream_id = text(recipient.get("id"))
        if kind and upstream_id:
            name = text(recipient.get("name")) or text(recipient.get("username")) or upstream_id
            targets.append(Target(kind, upstream_id, name))
    count = mapping(raw.get("repeat")).get("count")
    repeats = isinstance(count, int) and count > 0
    return Escalation(isinstance(raw.get("rules"), list), tuple(targets), repeats)


def final_timeline(raw: Raw, *, who: str = "recipient", nobody: Collection[str] = ()) -> Timeline:
    """A schedule's final timeline (``finalTimeline.rotations[].periods[]``): its window and
    the periods someone covers, sorted by start. ``who`` names a period's person; a period
    whose person is of a type in ``nobody`` covers nothing (a gap)."""
    found: list[Period] = []
    for rotation in items(mapping(raw.get("finalTimeline")).get("rotations")):
        for period in items(mapping(rotation).get("periods")):
            person = mapping(mapping(period).get(who))
            if text(person.get("type")).lower() in nobody:
                continue
            start = parse_upstream_time(mapping(period).get("startDate"))
            end = parse_upstream_time(mapping(period).get("endDate"))
            if start and end and end > start:
                found.append((start, end, person))
    found.sort(key=lambda found_period: found_period[0])
    start = parse_upstream_time(raw.get("startDate"))
    return Timeline(start, parse_upstream_time(raw.get("endDate")), found)


def routing_rule(
    upstream_id: str, raw: Raw, *, team_kind: str, notify_kinds: Mapping[str, str]
) -> ConfigRecord:
    """A team's routing rule (with the ``_team`` its reader read it for, its owner): it routes
    the team's alerts to an escalation or a schedule (``notify{type, id, name}``; the kind
    holding each type in ``notify_kinds``), or to nobody (``notify.type`` "none")."""
    team = mapping(raw.get("_team"))
    team_id, team_name = text(team.get("id")), text(team.get("name"))
    links = [Link("team", team_kind, team_id, team_name)] if team_id else []
    notify = mapping(raw.get("notify"))
    kind = notify_kinds.get(text(notify.get("type")).lower())
    target = text(notify.get("id"))
    routes = bool(kind and target)
    if kind and target:
        links.append(Link("notifies", kind, target, text(notify.get("name"))))
    state = "routes" if routes else "nobody"
    name = text(raw.get("name"))
    return ConfigRecord(upstream_id, raw, name, team_id, team_name, state, tuple(links))


def log_key(scope: str, when: str, *parts: object) -> str:
    """A log entry with no id upstream: where it was read (``scope``), its time, and a digest
    of what it says (its owner and text), so the same entry keeps its key run after run."""
    digest = hashlib.sha256("\n".join(str(part) for part in parts).encode()).hexdigest()[:12]
    return f"{scope}:{when}:{digest}"
