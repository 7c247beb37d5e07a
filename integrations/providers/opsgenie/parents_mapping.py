"""OpsGenie's objects read under a parent, and its incident templates, in canonical form (field
names from OpsGenie's OpenAPI definitions and public pages): alert policies (with the ``_team``
the reader read them for, none for a global one), schedule overrides (with their
``_schedule``), service incident rules (with their ``_service``) and incident templates. Like
``rules_mapping``, every reader takes whatever upstream sent: a missing or mistyped field
yields "" or nothing."""

from __future__ import annotations

from collections.abc import Callable

from integrations.config_records import ConfigRecord, Link, Raw, mapping, text
from integrations.providers.opsgenie.rules_mapping import enabled_state, of_team, recipient_link

# Incident priorities (an incident rule's or template's), as the state filter offers them.
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")


def _priority(raw: object) -> str:
    priority = text(mapping(raw).get("priority"))
    return priority if priority in PRIORITIES else ""


def _alert_policies(upstream_id: str, raw: Raw) -> ConfigRecord:
    """A team's policy names its team; a global one (read without ``teamId``) none."""
    return of_team(upstream_id, raw, text(raw.get("name")), enabled_state(raw))


def _schedule_overrides(upstream_id: str, raw: Raw) -> ConfigRecord:
    """Who takes over a schedule, and when: named after them and the schedule, of its team."""
    schedule = mapping(raw.get("_schedule"))
    schedule_id, schedule_name = text(schedule.get("id")), text(schedule.get("name"))
    team = mapping(schedule.get("ownerTeam"))
    links = (Link("overrides", "schedules", schedule_id, schedule_name),) if schedule_id else ()
    links += tuple(recipient_link("user", raw.get("user")))
    who = next((link.target_name for link in links if link.relation == "user"), "")
    name = " on ".join(part for part in (who, schedule_name) if part)
    team_id, team_name = text(team.get("id")), text(team.get("name"))
    return ConfigRecord(upstream_id, raw, name, team_id, team_name, "", links)


def _incident_rules(upstream_id: str, raw: Raw) -> ConfigRecord:
    """A rule opening incidents on its service: named by the incident it opens."""
    properties = mapping(raw.get("incidentProperties"))
    service = mapping(raw.get("_service"))
    service_id = text(service.get("id"))
    links = (Link("service", "services", service_id, text(service.get("name"))),)
    order = raw.get("order")
    name = text(properties.get("message")) or (f"Rule {order}" if isinstance(order, int) else "")
    state = _priority(properties)
    return ConfigRecord(upstream_id, raw, name, state=state, links=links if service_id else ())


def _incident_templates(upstream_id: str, raw: Raw) -> ConfigRecord:
    return ConfigRecord(upstream_id, raw, text(raw.get("name")), state=_priority(raw))


PARENTS_MAPPERS: dict[str, Callable[[str, Raw], ConfigRecord]] = {
    "alert_policies": _alert_policies,
    "schedule_overrides": _schedule_overrides,
    "incident_rules": _incident_rules,
    "incident_templates": _incident_templates,
}
