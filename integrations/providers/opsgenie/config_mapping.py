"""OpsGenie's configuration items (reference/opsgenie-api.md §5) in canonical form: the columns,
relations and facts of each kind, read when the item is read. Every reader takes whatever
upstream sent: a field missing or of the wrong type yields "" or nothing, never an error."""

from __future__ import annotations

from collections.abc import Callable

from integrations.config_records import (
    ConfigRecord,
    Heartbeat,
    Link,
    Raw,
    Timeline,
    items,
    mapping,
    on_call_record,
    text,
)
from integrations.ops_config_mapping import escalation, final_timeline
from integrations.providers.opsgenie.parents_mapping import PARENTS_MAPPERS
from integrations.providers.opsgenie.rules_mapping import (
    RULES_MAPPERS,
    enabled_state,
    recipient_link,
)
from integrations.records import parse_upstream_time


def _owner_team(raw: Raw) -> tuple[str, str]:
    team = mapping(raw.get("ownerTeam"))
    return text(team.get("id")), text(team.get("name"))


def _team_link(raw: Raw) -> list[Link]:
    team_id, name = _owner_team(raw)
    return [Link("team", "teams", team_id, name)] if team_id else []


def _team_members(raw: Raw) -> list[Link]:
    links = []
    for member in items(raw.get("members")):
        user = mapping(mapping(member).get("user"))
        if text(user.get("id")):
            role = text(mapping(member).get("role"))
            links.append(Link("member", "users", user["id"], text(user.get("username")), role))
    return links


def _escalation_links(raw: Raw) -> list[Link]:
    links = _team_link(raw)
    for rule in items(raw.get("rules")):
        delay = mapping(mapping(rule).get("delay"))
        after = f"after {delay.get('timeAmount', 0)} {text(delay.get('timeUnit')) or 'minutes'}"
        links += recipient_link("recipient", mapping(rule).get("recipient"), after)
    return links


def _schedule_links(raw: Raw) -> list[Link]:
    links = _team_link(raw)
    for rotation in items(raw.get("rotations")):
        name = text(mapping(rotation).get("name"))
        for participant in items(mapping(rotation).get("participants")):
            links += recipient_link("participant", participant, name)
    return links


def timeline(raw: Raw) -> Timeline:
    """An on-call item (a schedule's final timeline): its window and periods, sorted by start."""
    return final_timeline(raw)


def _on_call_links(raw: Raw, read: Timeline) -> list[Link]:
    parent = mapping(raw.get("_parent"))
    links = []
    if text(parent.get("id")):
        links.append(Link("schedule", "schedules", parent["id"], text(parent.get("name"))))
    seen: set[str] = set()
    for _start, _end, recipient in read.periods:
        key = text(recipient.get("id"))
        if key and key not in seen:
            seen.add(key)
            links += recipient_link("on_call", recipient)
    return links


def _heartbeat_state(raw: Raw) -> str:
    if raw.get("enabled") is not True:
        return "disabled"
    return "expired" if raw.get("expired") is True else "alive"


def _teams(upstream_id: str, raw: Raw) -> ConfigRecord:
    return ConfigRecord(upstream_id, raw, text(raw.get("name")), links=tuple(_team_members(raw)))


def _owned(upstream_id: str, raw: Raw, state: str, links: list[Link], **facts: Raw) -> ConfigRecord:
    """An item of an owner team (``ownerTeam``)."""
    team_id, team = _owner_team(raw)
    name = text(raw.get("name"))
    return ConfigRecord(upstream_id, raw, name, team_id, team, state, tuple(links), facts)


def _escalations(upstream_id: str, raw: Raw) -> ConfigRecord:
    read = escalation(raw).to_json()
    return _owned(upstream_id, raw, "", _escalation_links(raw), escalation=read)


def _schedules(upstream_id: str, raw: Raw) -> ConfigRecord:
    return _owned(upstream_id, raw, enabled_state(raw), _schedule_links(raw))


def _on_calls(upstream_id: str, raw: Raw) -> ConfigRecord:
    read = timeline(raw)
    return on_call_record(upstream_id, raw, read, _on_call_links(raw, read))


def _heartbeats(upstream_id: str, raw: Raw) -> ConfigRecord:
    enabled, expired = raw.get("enabled") is True, raw.get("expired") is True
    beat = Heartbeat(enabled, expired, parse_upstream_time(raw.get("lastPingTime")))
    state = _heartbeat_state(raw)
    return _owned(upstream_id, raw, state, _team_link(raw), heartbeat=beat.to_json())


def _integrations(upstream_id: str, raw: Raw) -> ConfigRecord:
    team_id = text(raw.get("teamId"))
    links = (Link("team", "teams", team_id),) if team_id else ()
    name, state = text(raw.get("name")), enabled_state(raw)
    return ConfigRecord(upstream_id, raw, name, team_id, "", state, links)


MAPPERS: dict[str, Callable[[str, Raw], ConfigRecord]] = {
    "teams": _teams,
    "escalations": _escalations,
    "schedules": _schedules,
    "on_calls": _on_calls,
    "heartbeats": _heartbeats,
    "integrations": _integrations,
    **RULES_MAPPERS,
    **PARENTS_MAPPERS,
}


def config_record(kind: str, upstream_id: str, raw: Raw) -> ConfigRecord:
    """An item of the ``kind`` stream as the Data library keeps it."""
    return MAPPERS[kind](upstream_id, raw)
