"""PagerDuty's configuration kinds as the Data library shows them (one stream each, mapped in
``config_mapping``); the readiness checks find them by their role."""

from __future__ import annotations

from integrations.providers.base import LibraryKind
from integrations.providers.pagerduty.config_mapping import (
    BUSINESS_SERVICES,
    ON_CALLS,
    POLICIES,
    SCHEDULES,
    TEAMS,
)
from integrations.sync.streams import register_stream_labels

LIBRARY_KINDS = (
    LibraryKind(
        name=TEAMS,
        label="Teams (PagerDuty)",
        singular="PagerDuty team",
        about="Teams with their members (GET /teams, then each team's /members).",
        role="teams",
        named_by=(("team", "Escalation policies, schedules and business services of this team"),),
        filters=(),
    ),
    LibraryKind(
        name=POLICIES,
        label="Escalation policies (PagerDuty)",
        singular="escalation policy",
        plural="escalation policies",
        about="Escalation policies with their rules' targets, repeats and services "
        "(GET /escalation_policies).",
        role="escalations",
        states=(("reaches", "Reaches someone"), ("nobody", "Reaches nobody")),
        filters=("team", "state"),
        team_kind=TEAMS,
        reached_by="policy",
        repeat_setting="num_loops",
    ),
    LibraryKind(
        name="pagerduty_services",
        label="Services (PagerDuty)",
        singular="PagerDuty service",
        about="Services with their status, team and escalation policy (GET /services).",
        stream="services",
        states=(
            ("active", "Active"),
            ("warning", "Warning"),
            ("critical", "Critical"),
            ("maintenance", "Maintenance"),
            ("disabled", "Disabled"),
        ),
        named_by=(("service", "Its escalation policy"),),
        filters=("team", "state"),
        team_kind=TEAMS,
    ),
    LibraryKind(
        name=SCHEDULES,
        label="Schedules (PagerDuty)",
        singular="PagerDuty schedule",
        about="On-call schedules with their people (GET /schedules).",
        role="schedules",
        named_by=(
            ("target", "Escalation policies that notify this schedule"),
            ("schedule", "Who is on call"),
        ),
        team_kind=TEAMS,
    ),
    LibraryKind(
        name=ON_CALLS,
        label="On-calls (PagerDuty)",
        singular="PagerDuty on-call timeline",
        about="Who is on call from today for 14 days, per schedule (its final schedule, "
        "GET /schedules/{id}?since&until).",
        role="on_calls",
        states=(("covered", "Covered"), ("gap", "Has a gap")),
        filters=("state",),
    ),
    LibraryKind(
        name=BUSINESS_SERVICES,
        label="Business services (PagerDuty)",
        singular="business service",
        about="Business services with their owning team (GET /business_services).",
        team_kind=TEAMS,
    ),
)

# The sync card and history spell the provider's name in its own streams' labels.
register_stream_labels(
    {TEAMS: "PagerDuty teams", SCHEDULES: "PagerDuty schedules", ON_CALLS: "PagerDuty on calls"}
)
