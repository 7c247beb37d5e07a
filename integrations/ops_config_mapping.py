"""Canonical facts from the configuration shapes OpsGenie and its successor, Jira Service
Management Operations, share: an escalation's rules (each a delay and a ``recipient`` of a type
and an id) and repeat, and a schedule's final timeline (rotations of periods, each with who is
on call). Both providers' mappers read them here (provider packages never import each other).
A field missing or of the wrong type yields nothing, never an error."""

from __future__ import annotations

from collections.abc import Collection

from integrations.config_records import (
    ESCALATION,
    PERSON,
    SCHEDULE,
    TEAM,
    Escalation,
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
