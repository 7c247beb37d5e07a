"""PagerDuty's on-call configuration (reference/pagerduty-api.md §4) in canonical form: teams with
their members, escalation policies with their rules' targets, schedules, on-call periods (each
schedule's final schedule for the next 14 days) and business services. Readers take whatever
upstream sent: a field missing or of the wrong type yields "" or nothing."""

from __future__ import annotations

from collections.abc import Callable

from integrations.config_records import (
    PERSON,
    SCHEDULE,
    ConfigRecord,
    Escalation,
    Link,
    Period,
    Raw,
    Target,
    Timeline,
    items,
    mapping,
    on_call_record,
    text,
)
from integrations.records import parse_upstream_time

# Named apart from OpsGenie's kinds where both have one, since a kind is its stream's name.
TEAMS = "pagerduty_teams"
POLICIES = "escalation_policies"
SCHEDULES = "pagerduty_schedules"
ON_CALLS = "pagerduty_on_calls"
BUSINESS_SERVICES = "business_services"


def _ref(relation: str, kind: str, item: object, detail: str = "") -> list[Link]:
    item = mapping(item)
    if not text(item.get("id")):
        return []
    name = text(item.get("summary")) or text(item.get("name"))
    return [Link(relation, kind, item["id"], name, detail)]


def first_team(raw: Raw) -> tuple[str, str]:
    teams = items(raw.get("teams"))
    team = mapping(teams[0]) if teams else mapping(raw.get("team"))
    return text(team.get("id")), text(team.get("summary")) or text(team.get("name"))


def _teams(raw: Raw) -> list[Link]:
    teams = items(raw.get("teams")) or [raw.get("team")]
    return [link for team in teams for link in _ref("team", TEAMS, team)]


def _members(raw: Raw) -> list[Link]:
    return [
        link
        for member in items(raw.get("members"))
        for link in _ref(
            "member", "users", mapping(member).get("user"), text(mapping(member).get("role"))
        )
    ]


def rule_targets(raw: Raw) -> list[tuple[int, Target]]:
    """(level, target) of each rule's targets reaching a person or a schedule."""
    found = []
    for level, rule in enumerate(items(raw.get("escalation_rules")), start=1):
        for target in items(mapping(rule).get("targets")):
            target = mapping(target)
            kind = text(target.get("type")).removesuffix("_reference")
            if kind in ("user", "schedule") and text(target.get("id")):
                name = text(target.get("summary")) or text(target.get("name")) or target["id"]
                found.append(
                    (level, Target(PERSON if kind == "user" else SCHEDULE, target["id"], name))
                )
    return found


def escalation(raw: Raw) -> Escalation:
    loops = raw.get("num_loops")
    services = [text(mapping(service).get("id")) for service in items(raw.get("services"))]
    return Escalation(
        steps_read=isinstance(raw.get("escalation_rules"), list),
        targets=tuple(target for _level, target in rule_targets(raw)),
        repeats=isinstance(loops, int) and loops > 0,
        services=tuple(service for service in services if service),
    )


def _policy_links(raw: Raw) -> list[Link]:
    links = _teams(raw)
    for level, target in rule_targets(raw):
        target_kind = SCHEDULES if target.type == SCHEDULE else "users"
        links.append(Link("target", target_kind, target.upstream_id, target.name, f"level {level}"))
    for service in items(raw.get("services")):
        links += _ref("service", "services", service)
    return links


def _schedule_links(raw: Raw) -> list[Link]:
    links = _teams(raw)
    for user in items(raw.get("users")):
        links += _ref("participant", "users", user)
    return links


def on_call_timeline(raw: Raw) -> Timeline:
    """An on-call record: its window and the final schedule's entries."""
    found: list[Period] = []
    entries = items(mapping(raw.get("final_schedule")).get("rendered_schedule_entries"))
    for entry in entries:
        start = parse_upstream_time(mapping(entry).get("start"))
        end = parse_upstream_time(mapping(entry).get("end"))
        user = mapping(mapping(entry).get("user"))
        if start and end and end > start:
            who = {"id": text(user.get("id")), "name": text(user.get("summary"))}
            found.append((start, end, who))
    found.sort(key=lambda period: period[0])
    since, until = parse_upstream_time(raw.get("since")), parse_upstream_time(raw.get("until"))
    return Timeline(since, until, found)


def _on_call_links(raw: Raw, read: Timeline) -> list[Link]:
    links = _ref("schedule", SCHEDULES, raw.get("_parent"))
    seen: set[str] = set()
    for _start, _end, who in read.periods:
        if who["id"] and who["id"] not in seen:
            seen.add(who["id"])
            links.append(Link("on_call", "users", who["id"], who["name"]))
    return links


def _owned(
    upstream_id: str, raw: Raw, links: list[Link], state: str = "", **facts: Raw
) -> ConfigRecord:
    team_id, team = first_team(raw)
    name = text(raw.get("name"))
    return ConfigRecord(upstream_id, raw, name, team_id, team, state, tuple(links), facts)


def _team(upstream_id: str, raw: Raw) -> ConfigRecord:
    return ConfigRecord(upstream_id, raw, text(raw.get("name")), links=tuple(_members(raw)))


def _policy(upstream_id: str, raw: Raw) -> ConfigRecord:
    read = escalation(raw)
    state = "reaches" if read.targets else "nobody"
    return _owned(upstream_id, raw, _policy_links(raw), state, escalation=read.to_json())


def _schedule(upstream_id: str, raw: Raw) -> ConfigRecord:
    return _owned(upstream_id, raw, _schedule_links(raw))


def _on_call(upstream_id: str, raw: Raw) -> ConfigRecord:
    read = on_call_timeline(raw)
    return on_call_record(upstream_id, raw, read, _on_call_links(raw, read))


def _business_service(upstream_id: str, raw: Raw) -> ConfigRecord:
    return _owned(upstream_id, raw, _teams(raw))


MAPPERS: dict[str, Callable[[str, Raw], ConfigRecord]] = {
    TEAMS: _team,
    POLICIES: _policy,
    SCHEDULES: _schedule,
    ON_CALLS: _on_call,
    BUSINESS_SERVICES: _business_service,
}


def config_record(kind: str, upstream_id: str, raw: Raw) -> ConfigRecord:
    """An item of the ``kind`` stream as the Data library keeps it."""
    return MAPPERS[kind](upstream_id, raw)
