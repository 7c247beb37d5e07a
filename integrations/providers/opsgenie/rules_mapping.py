"""OpsGenie's remaining configuration items in canonical form (field names from OpsGenie's OpenAPI
definitions): team routing rules, team roles and team logs (each with the ``_team`` the reader
read it for), maintenances, custom user roles, forwarding rules, and each user's notification
rules and contacts (with the ``_user`` the reader read them for). Like ``config_mapping``,
every reader takes whatever upstream sent: a missing or mistyped field yields "" or nothing."""

from __future__ import annotations

from collections.abc import Callable

from integrations.config_records import ConfigRecord, Link, Raw, mapping, text
from integrations.ops_config_mapping import routing_rule

# Upstream's recipient and participant types → the kind that holds them ("users" are not synced
# here: the access app reads the accounts; a link to one is shown as text).
TARGET_KINDS = {
    "user": "users",
    "team": "teams",
    "schedule": "schedules",
    "escalation": "escalations",
}
# A routing rule's ``notify.type`` → the kind holding what it routes to.
_NOTIFY_KINDS = {"escalation": "escalations", "schedule": "schedules"}
# Maintenance statuses (MaintenanceMeta.status).
MAINTENANCE_STATES = ("active", "planned", "past", "cancelled")


def enabled_state(raw: Raw) -> str:
    return "enabled" if raw.get("enabled") is True else "disabled"


def of_team(
    upstream_id: str, raw: Raw, name: str, state: str = "", *links: Link, relation: str = "team"
) -> ConfigRecord:
    """An item read for one team (``_team``): its team is its owner."""
    team = mapping(raw.get("_team"))
    team_id = text(team.get("id"))
    own = (Link(relation, "teams", team_id, text(team.get("name"))),) if team_id else ()
    return ConfigRecord(upstream_id, raw, name, team_id, text(team.get("name")), state, own + links)


def _routing_rules(upstream_id: str, raw: Raw) -> ConfigRecord:
    """Routes to an escalation or a schedule, or to nobody (``notify.type`` "none")."""
    return routing_rule(upstream_id, raw, team_kind="teams", notify_kinds=_NOTIFY_KINDS)


def _team_roles(upstream_id: str, raw: Raw) -> ConfigRecord:
    return of_team(upstream_id, raw, text(raw.get("name")))


def _team_logs(upstream_id: str, raw: Raw) -> ConfigRecord:
    # Its own relation: a team's page lists its logs apart from what it owns.
    return of_team(upstream_id, raw, text(raw.get("log")), relation="log_of")


def _maintenances(upstream_id: str, raw: Raw) -> ConfigRecord:
    status = text(raw.get("status"))
    state = status if status in MAINTENANCE_STATES else ""
    return ConfigRecord(upstream_id, raw, text(raw.get("description")), state=state)


def _custom_roles(upstream_id: str, raw: Raw) -> ConfigRecord:
    return ConfigRecord(upstream_id, raw, text(raw.get("name")))


def recipient_link(relation: str, item: object, detail: str = "") -> list[Link]:
    """A recipient or participant ({type, id, name or username}) as a link, if it names one."""
    item = mapping(item)
    kind = TARGET_KINDS.get(text(item.get("type")))
    target_id = text(item.get("id"))
    if kind is None or not target_id:
        return []
    name = text(item.get("name")) or text(item.get("username"))
    return [Link(relation, kind, target_id, name, detail)]


def _user_link(relation: str, user: object) -> tuple[Link, ...]:
    user = mapping(user)
    user_id = text(user.get("id"))
    return (Link(relation, "users", user_id, text(user.get("username"))),) if user_id else ()


def _forwarding_rules(upstream_id: str, raw: Raw) -> ConfigRecord:
    links = _user_link("from_user", raw.get("fromUser")) + _user_link("to_user", raw.get("toUser"))
    who = " → ".join(link.target_name or link.target_id for link in links)
    return ConfigRecord(upstream_id, raw, text(raw.get("alias")) or who, links=links)


def _of_user(upstream_id: str, raw: Raw, what: str, state: str) -> ConfigRecord:
    """An item read for one user (``_user``): named after them, so the list tells them apart."""
    user = mapping(raw.get("_user"))
    name = " — ".join(part for part in (what, text(user.get("username"))) if part)
    return ConfigRecord(upstream_id, raw, name, state=state, links=_user_link("user", user))


def _notification_rules(upstream_id: str, raw: Raw) -> ConfigRecord:
    return _of_user(upstream_id, raw, text(raw.get("name")), enabled_state(raw))


def _contacts(upstream_id: str, raw: Raw) -> ConfigRecord:
    status = mapping(raw.get("status"))
    state = "enabled" if status.get("enabled") is True else "disabled"
    return _of_user(upstream_id, raw, text(raw.get("method")), state)


RULES_MAPPERS: dict[str, Callable[[str, Raw], ConfigRecord]] = {
    "routing_rules": _routing_rules,
    "team_roles": _team_roles,
    "team_logs": _team_logs,
    "maintenances": _maintenances,
    "custom_roles": _custom_roles,
    "forwarding_rules": _forwarding_rules,
    "notification_rules": _notification_rules,
    "contacts": _contacts,
}
