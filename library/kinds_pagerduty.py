"""The Data library's PagerDuty kinds (reference/pagerduty-api.md §4): teams with their members,
escalation policies with their rules' targets, schedules, on-call periods (each schedule's final
schedule for the next 14 days) and business services. Named apart from OpsGenie's kinds where
both have one ("pagerduty_teams"), since a kind is its stream's name. Readers take whatever
upstream sent: a field missing or of the wrong type yields "" or nothing."""

from __future__ import annotations

from integrations.records import parse_upstream_time
from library.kinds import (
    COVERED_STATES,
    Kind,
    Link,
    Period,
    Raw,
    Timeline,
    _dict,
    _list,
    _name,
    _text,
    register_kind,
)

PROVIDER = "pagerduty"
TEAMS = "pagerduty_teams"
POLICIES = "escalation_policies"
SCHEDULES = "pagerduty_schedules"
ON_CALLS = "pagerduty_on_calls"
BUSINESS_SERVICES = "business_services"
# A rule target's type → the kind holding it ("users" are not synced here: shown as text).
TARGET_KINDS = {"user_reference": "users", "user": "users", "schedule_reference": SCHEDULES}


def _ref(relation: str, kind: str, item: object, detail: str = "") -> list[Link]:
    item = _dict(item)
    if not _text(item.get("id")):
        return []
    name = _text(item.get("summary")) or _text(item.get("name"))
    return [Link(relation, kind, item["id"], name, detail)]


def first_team(raw: Raw) -> tuple[str, str]:
    teams = _list(raw.get("teams"))
    team = _dict(teams[0]) if teams else _dict(raw.get("team"))
    return _text(team.get("id")), _text(team.get("summary")) or _text(team.get("name"))


def _teams(raw: Raw) -> list[Link]:
    teams = _list(raw.get("teams")) or [raw.get("team")]
    return [link for team in teams for link in _ref("team", TEAMS, team)]


def _members(raw: Raw) -> list[Link]:
    return [
        link
        for member in _list(raw.get("members"))
        for link in _ref("member", "users", _dict(member).get("user"), _text(member.get("role")))
    ]


def rule_targets(raw: Raw) -> list[tuple[int, str, str, str]]:
    """(level, target type, id, name) of each rule's targets reaching a person or a schedule."""
    found = []
    for level, rule in enumerate(_list(raw.get("escalation_rules")), start=1):
        for target in _list(_dict(rule).get("targets")):
            target = _dict(target)
            kind = _text(target.get("type")).removesuffix("_reference")
            if kind in ("user", "schedule") and _text(target.get("id")):
                name = _text(target.get("summary")) or _text(target.get("name")) or target["id"]
                found.append((level, kind, target["id"], name))
    return found


def _policy_links(raw: Raw) -> list[Link]:
    links = _teams(raw)
    for level, kind, target_id, name in rule_targets(raw):
        target_kind = SCHEDULES if kind == "schedule" else "users"
        links.append(Link("target", target_kind, target_id, name, f"level {level}"))
    for service in _list(raw.get("services")):
        links += _ref("service", "services", service)
    return links


def _schedule_links(raw: Raw) -> list[Link]:
    links = _teams(raw)
    for user in _list(raw.get("users")):
        links += _ref("participant", "users", user)
    return links


def on_call_timeline(raw: Raw) -> Timeline:
    """A pagerduty_on_calls record: its window and the final schedule's entries."""
    found: list[Period] = []
    entries = _list(_dict(raw.get("final_schedule")).get("rendered_schedule_entries"))
    for entry in entries:
        start = parse_upstream_time(_dict(entry).get("start"))
        end = parse_upstream_time(_dict(entry).get("end"))
        user = _dict(_dict(entry).get("user"))
        if start and end and end > start:
            who = {"id": _text(user.get("id")), "name": _text(user.get("summary"))}
            found.append((start, end, who))
    found.sort(key=lambda period: period[0])
    since, until = parse_upstream_time(raw.get("since")), parse_upstream_time(raw.get("until"))
    return Timeline(since, until, found)


def _on_call_links(raw: Raw) -> list[Link]:
    links = _ref("schedule", SCHEDULES, raw.get("_parent"))
    seen: set[str] = set()
    for _start, _end, who in on_call_timeline(raw).periods:
        if who["id"] and who["id"] not in seen:
            seen.add(who["id"])
            links.append(Link("on_call", "users", who["id"], who["name"]))
    return links


def _reaches(raw: Raw) -> str:
    return "reaches" if rule_targets(raw) else "nobody"


PAGERDUTY_KINDS = (
    Kind(
        name=TEAMS,
        label="Teams (PagerDuty)",
        singular="PagerDuty team",
        about="Teams with their members (GET /teams, then each team's /members).",
        name_of=_name,
        links_of=_members,
        named_by=(("team", "Escalation policies, schedules and business services of this team"),),
        filters=(),
        provider=PROVIDER,
    ),
    Kind(
        name=POLICIES,
        label="Escalation policies (PagerDuty)",
        singular="escalation policy",
        about="Escalation policies with their rules' targets, repeats and services "
        "(GET /escalation_policies).",
        name_of=_name,
        team_of=first_team,
        state_of=_reaches,
        states=(("reaches", "Reaches someone"), ("nobody", "Reaches nobody")),
        links_of=_policy_links,
        filters=("team", "state"),
        team_kind=TEAMS,
        provider=PROVIDER,
    ),
    Kind(
        name=SCHEDULES,
        label="Schedules (PagerDuty)",
        singular="PagerDuty schedule",
        about="On-call schedules with their people (GET /schedules).",
        name_of=_name,
        team_of=first_team,
        links_of=_schedule_links,
        named_by=(
            ("target", "Escalation policies that notify this schedule"),
            ("schedule", "Who is on call"),
        ),
        team_kind=TEAMS,
        provider=PROVIDER,
    ),
    Kind(
        name=ON_CALLS,
        label="On-calls (PagerDuty)",
        singular="PagerDuty on-call timeline",
        about="Who is on call from today for 14 days, per schedule (its final schedule, "
        "GET /schedules/{id}?since&until).",
        name_of=lambda raw: _text(_dict(raw.get("_parent")).get("name")),
        state_of=lambda raw: "gap" if on_call_timeline(raw).gaps() else "covered",
        states=COVERED_STATES,
        links_of=_on_call_links,
        filters=("state",),
        timeline=on_call_timeline,
        provider=PROVIDER,
    ),
    Kind(
        name=BUSINESS_SERVICES,
        label="Business services (PagerDuty)",
        singular="business service",
        about="Business services with their owning team (GET /business_services).",
        name_of=_name,
        team_of=first_team,
        links_of=_teams,
        team_kind=TEAMS,
        provider=PROVIDER,
    ),
)


def register_pagerduty_kinds() -> None:
    for kind in PAGERDUTY_KINDS:
        register_kind(kind)
