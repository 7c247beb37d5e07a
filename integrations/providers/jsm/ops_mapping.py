"""Transform: JSM Operations' configuration items (``/v1/teams``, the teams' escalations,
heartbeats and routing rules, ``/v1/schedules`` and their timelines, ``/v1/integrations``) and
its audit logs (``/v1/logs``) → canonical ``ConfigRecord``s for the Data library, named apart
from OpsGenie's kinds (a kind is its stream's name). The shapes OpsGenie shares (escalation
rules, final timelines, routing rules, a log entry's key) are read by
``integrations.ops_config_mapping``; the rest is marked where unconfirmed. Every reader takes
whatever upstream sent: a field missing or of the wrong type yields "" or nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

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
from integrations.ops_config_mapping import escalation, final_timeline, log_key, routing_rule
from integrations.records import parse_upstream_time

TEAMS = "jsm_teams"
ESCALATIONS = "jsm_escalations"
SCHEDULES = "jsm_schedules"
ON_CALLS = "jsm_on_calls"
HEARTBEATS = "jsm_heartbeats"
INTEGRATIONS = "jsm_integrations"
ROUTING_RULES = "jsm_routing_rules"
AUDIT_LOGS = "jsm_audit_logs"
USERS = "jsm_users"  # not a Data library kind: a person is an Atlassian accountId

# Unconfirmed: a team's id and name in ``GET /v1/teams`` (the public page shows no example);
# the first key present is read.
TEAM_ID_KEYS = ("teamId", "id")
TEAM_NAME_KEYS = ("teamName", "displayName", "name")
# Unconfirmed: a team's members, each an Atlassian account ({accountId} or {id}).
MEMBERS_KEY = "members"
# A timeline period's person (reference: "responder"); type ``noone``: nobody is on call.
TIMELINE_PERSON = "responder"
NOBODY = ("noone",)
# Unconfirmed beyond "Responsive": the statuses of a heartbeat whose pings stopped.
EXPIRED_STATUSES = ("expired", "unresponsive", "notresponsive")
# Unconfirmed: when a heartbeat was last pinged (OpsGenie's name).
LAST_PING_KEY = "lastPingTime"
# A routing rule's ``notify.type`` → the kind holding what it routes to ("none": nobody).
# Unconfirmed beyond the path: a rule's shape, read as OpsGenie's ({id, name, order, isDefault,
# criteria, timeRestriction, notify{type, id, name}}).
NOTIFY_KINDS = {"escalation": ESCALATIONS, "schedule": SCHEDULES}
# Unconfirmed: an audit log entry's shape (the public page shows no example); the first key
# present is read. An entry without an id is keyed by its time and a digest of what it says.
LOG_ID_KEYS = ("id", "logId")
LOG_TIME_KEYS = ("createdAt", "createdDate", "timestamp")
LOG_TEXT_KEYS = ("log", "message", "description")
# Who did it: an Atlassian account ({accountId or id, name or displayName}) or a plain text.
LOG_ACTOR_KEYS = ("owner", "actor", "user")
# An escalation's or a rule's recipient types → the kind the library keeps them under.
RECIPIENT_KINDS = {"user": USERS, "team": TEAMS, "schedule": SCHEDULES, "escalation": ESCALATIONS}


def first_text(raw: Raw, keys: tuple[str, ...]) -> str:
    return next((text(raw.get(key)) for key in keys if text(raw.get(key))), "")


def team_id(raw: Raw) -> str:
    return first_text(raw, TEAM_ID_KEYS)


def _of_team(raw: Raw) -> tuple[str, str, list[Link]]:
    """The team an item was read for (``_team``, set by the reader), as its owner."""
    team = mapping(raw.get("_team"))
    found, name = text(team.get("id")), text(team.get("name"))
    return found, name, [Link("team", TEAMS, found, name)] if found else []


def _recipient(relation: str, item: object, detail: str = "") -> list[Link]:
    item = mapping(item)
    kind = RECIPIENT_KINDS.get(text(item.get("type")).lower())
    target = text(item.get("id"))
    if kind is None or not target:
        return []
    return [Link(relation, kind, target, text(item.get("name")), detail)]


def enabled_state(raw: Raw) -> str:
    return "enabled" if raw.get("enabled") is True else "disabled"


def _teams(upstream_id: str, raw: Raw) -> ConfigRecord:
    links = []
    for member in items(raw.get(MEMBERS_KEY)):
        account = text(mapping(member).get("accountId")) or text(mapping(member).get("id"))
        if account:
            role = text(mapping(member).get("role"))
            links.append(Link("member", USERS, account, text(mapping(member).get("name")), role))
    return ConfigRecord(upstream_id, raw, first_text(raw, TEAM_NAME_KEYS), links=tuple(links))


def _escalations(upstream_id: str, raw: Raw) -> ConfigRecord:
    owner, owner_name, links = _of_team(raw)
    for rule in items(raw.get("rules")):
        delay = mapping(mapping(rule).get("delay"))
        after = f"after {delay.get('timeAmount', 0)} {text(delay.get('timeUnit')) or 'minutes'}"
        links += _recipient("recipient", mapping(rule).get("recipient"), after)
    facts = {"escalation": escalation(raw).to_json()}
    name = text(raw.get("name"))
    return ConfigRecord(upstream_id, raw, name, owner, owner_name, "", tuple(links), facts)


def _schedules(upstream_id: str, raw: Raw) -> ConfigRecord:
    owner = text(raw.get("teamId"))
    links = (Link("team", TEAMS, owner),) if owner else ()
    name, state = text(raw.get("name")), enabled_state(raw)
    return ConfigRecord(upstream_id, raw, name, owner, "", state, links)


def timeline(raw: Raw) -> Timeline:
    """A schedule's final timeline; a ``noone`` responder's period is a gap."""
    return final_timeline(raw, who=TIMELINE_PERSON, nobody=NOBODY)


def _on_calls(upstream_id: str, raw: Raw) -> ConfigRecord:
    read = timeline(raw)
    parent = mapping(raw.get("_parent"))
    links = [Link("schedule", SCHEDULES, upstream_id, text(parent.get("name")))]
    seen: set[str] = set()
    for _start, _end, person in read.periods:
        key = text(person.get("id"))
        if key and key not in seen:
            seen.add(key)
            links += _recipient("on_call", person)
    return on_call_record(upstream_id, raw, read, links)


def heartbeat(raw: Raw) -> Heartbeat:
    status = text(raw.get("status")).replace(" ", "").lower()
    expired = raw.get("expired") is True or status in EXPIRED_STATUSES
    last_ping = parse_upstream_time(raw.get(LAST_PING_KEY))
    return Heartbeat(raw.get("enabled") is True, expired, last_ping)


def _heartbeats(upstream_id: str, raw: Raw) -> ConfigRecord:
    owner, owner_name, links = _of_team(raw)
    beat = heartbeat(raw)
    state = "disabled" if not beat.enabled else "expired" if beat.expired else "alive"
    facts = {"heartbeat": beat.to_json()}
    name = text(raw.get("name"))
    return ConfigRecord(upstream_id, raw, name, owner, owner_name, state, tuple(links), facts)


def _integrations(upstream_id: str, raw: Raw) -> ConfigRecord:
    owner = text(raw.get("teamId"))
    links = (Link("team", TEAMS, owner),) if owner else ()
    name, state = text(raw.get("name")), enabled_state(raw)
    return ConfigRecord(upstream_id, raw, name, owner, "", state, links)


def _routing_rules(upstream_id: str, raw: Raw) -> ConfigRecord:
    return routing_rule(upstream_id, raw, team_kind=TEAMS, notify_kinds=NOTIFY_KINDS)


def log_id(raw: Raw) -> str:
    """An audit log entry's key: its id, or its time and a digest of its actor and text."""
    found = first_text(raw, LOG_ID_KEYS)
    if found:
        return found
    when = first_text(raw, LOG_TIME_KEYS)
    what = first_text(raw, LOG_TEXT_KEYS)
    if not when and not what:
        return ""
    return log_key("log", when, repr(raw.get(_actor_key(raw))), what)


def _actor_key(raw: Raw) -> str:
    return next((key for key in LOG_ACTOR_KEYS if raw.get(key)), LOG_ACTOR_KEYS[0])


def _audit_logs(upstream_id: str, raw: Raw) -> ConfigRecord:
    """Named by its time (UTC, so the list reads in order) and what it says; linked to who
    did it when that is an account."""
    moment = parse_upstream_time(first_text(raw, LOG_TIME_KEYS))
    when = f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if moment else ""
    name = " · ".join(part for part in (when, first_text(raw, LOG_TEXT_KEYS)) if part)
    actor = raw.get(_actor_key(raw))
    links: tuple[Link, ...] = ()
    if isinstance(actor, dict):
        account = text(actor.get("accountId")) or text(actor.get("id"))
        label = text(actor.get("name")) or text(actor.get("displayName"))
        links = (Link("by", USERS, account, label),) if account else ()
    elif text(actor):
        links = (Link("by", USERS, text(actor), text(actor)),)
    return ConfigRecord(upstream_id, raw, name, links=links)


MAPPERS: dict[str, Callable[[str, Raw], ConfigRecord]] = {
    TEAMS: _teams,
    ESCALATIONS: _escalations,
    SCHEDULES: _schedules,
    ON_CALLS: _on_calls,
    HEARTBEATS: _heartbeats,
    INTEGRATIONS: _integrations,
    ROUTING_RULES: _routing_rules,
    AUDIT_LOGS: _audit_logs,
}


def config_record(kind: str, upstream_id: str, raw: Raw) -> ConfigRecord:
    """An item of the ``kind`` stream as the Data library keeps it."""
    return MAPPERS[kind](upstream_id, raw)
