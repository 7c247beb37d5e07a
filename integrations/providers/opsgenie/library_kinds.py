"""OpsGenie's configuration kinds as the Data library shows them (one stream each, mapped in
``config_mapping``); the readiness checks find them by their role."""

from __future__ import annotations

from integrations.providers.base import LibraryKind

ENABLED_STATES = (("enabled", "Enabled"), ("disabled", "Disabled"))
COVERED_STATES = (("covered", "Covered"), ("gap", "Has a gap"))

LIBRARY_KINDS = (
    LibraryKind(
        name="teams",
        label="Teams",
        singular="team",
        about="Teams with their members (GET /v2/teams, then each team).",
        role="teams",
        named_by=(
            ("team", "Schedules, escalations, heartbeats and integrations of this team"),
            ("recipient", "Escalations that notify this team"),
        ),
        filters=(),
    ),
    LibraryKind(
        name="escalations",
        label="Escalations",
        singular="escalation",
        about="Escalations with their rules and repeat (GET /v2/escalations).",
        role="escalations",
        reached_by="team",
    ),
    LibraryKind(
        name="schedules",
        label="Schedules",
        singular="schedule",
        about="On-call schedules with their rotations (GET /v2/schedules?expand=rotation).",
        role="schedules",
        states=ENABLED_STATES,
        named_by=(
            ("recipient", "Escalations that notify this schedule"),
            ("schedule", "Who is on call"),
        ),
        filters=("team", "state"),
    ),
    LibraryKind(
        name="on_calls",
        label="On-calls",
        singular="on-call timeline",
        about="Who is on call now and for the next 14 days, per schedule (its final timeline).",
        role="on_calls",
        states=COVERED_STATES,
        filters=("state",),
    ),
    LibraryKind(
        name="heartbeats",
        label="Heartbeats",
        singular="heartbeat",
        about="Monitoring heartbeats (GET /v2/heartbeats).",
        role="heartbeats",
        states=(("alive", "Alive"), ("expired", "Expired"), ("disabled", "Disabled")),
        filters=("team", "state"),
    ),
    LibraryKind(
        name="integrations",
        label="Integrations",
        singular="integration",
        about="Integrations sending alerts (GET /v2/integrations).",
        states=ENABLED_STATES,
        filters=("team", "state"),
    ),
)
