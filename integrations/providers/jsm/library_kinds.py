"""JSM Operations' configuration kinds as the Data library shows them (one stream each, mapped
in ``ops_mapping``, named apart from OpsGenie's); the readiness checks find them by their role."""

from __future__ import annotations

from integrations.providers.base import LibraryKind
from integrations.providers.jsm.ops_mapping import (
    AUDIT_LOGS,
    ESCALATIONS,
    HEARTBEATS,
    INTEGRATIONS,
    ON_CALLS,
    ROUTING_RULES,
    SCHEDULES,
    TEAMS,
)
from integrations.providers.jsm.ops_reader import AUDIT_LOGS_PER_RUN, TEAMS_PER_RUN
from integrations.sync.streams import register_stream_labels

ENABLED_STATES = (("enabled", "Enabled"), ("disabled", "Disabled"))

LIBRARY_KINDS = (
    LibraryKind(
        name=TEAMS,
        label="Teams (JSM)",
        singular="JSM team",
        about="Operations teams (GET /v1/teams).",
        role="teams",
        named_by=(
            (
                "team",
                "Escalations, routing rules, heartbeats, schedules and integrations of this team",
            ),
            ("recipient", "Escalations that notify this team"),
        ),
        filters=(),
        team_kind=TEAMS,
    ),
    LibraryKind(
        name=ESCALATIONS,
        label="Escalations (JSM)",
        singular="escalation",
        about=f"Each team's escalations with their rules and repeat (GET "
        f"/v1/teams/{{id}}/escalations: one call per team, up to {TEAMS_PER_RUN} teams a run).",
        role="escalations",
        reached_by="team",
        named_by=(("notifies", "Routing rules that route to this escalation"),),
        team_kind=TEAMS,
    ),
    LibraryKind(
        name=SCHEDULES,
        label="Schedules (JSM)",
        singular="JSM schedule",
        about="On-call schedules (GET /v1/schedules).",
        role="schedules",
        states=ENABLED_STATES,
        named_by=(
            ("recipient", "Escalations that notify this schedule"),
            ("schedule", "Who is on call"),
            ("notifies", "Routing rules that route to this schedule"),
        ),
        filters=("team", "state"),
        team_kind=TEAMS,
    ),
    LibraryKind(
        name=ON_CALLS,
        label="On-calls (JSM)",
        singular="on-call timeline",
        about="Who is on call now and for the next 14 days, per schedule "
        "(GET /v1/schedules/{id}/timeline; a responder of type noone is a gap).",
        role="on_calls",
        states=(("covered", "Covered"), ("gap", "Has a gap")),
        filters=("state",),
        team_kind=TEAMS,
    ),
    LibraryKind(
        name=HEARTBEATS,
        label="Heartbeats (JSM)",
        singular="heartbeat",
        about=f"Each team's monitoring heartbeats (GET /v1/teams/{{id}}/heartbeats: one call "
        f"per team, up to {TEAMS_PER_RUN} teams a run).",
        role="heartbeats",
        states=(("alive", "Alive"), ("expired", "Expired"), ("disabled", "Disabled")),
        filters=("team", "state"),
        team_kind=TEAMS,
    ),
    LibraryKind(
        name=INTEGRATIONS,
        label="Integrations (JSM)",
        singular="JSM integration",
        about="Integrations sending alerts (GET /v1/integrations).",
        states=ENABLED_STATES,
        filters=("team", "state"),
        team_kind=TEAMS,
    ),
    LibraryKind(
        name=ROUTING_RULES,
        label="Team routing rules (JSM)",
        singular="JSM routing rule",
        about=f"Which escalation or schedule each team's alerts go to, rule by rule (GET "
        f"/v1/teams/{{id}}/routing-rules: one call per team, up to {TEAMS_PER_RUN} teams a run).",
        states=(("routes", "Routes to someone"), ("nobody", "Routes to nobody")),
        filters=("team", "state"),
        team_kind=TEAMS,
    ),
    LibraryKind(
        name=AUDIT_LOGS,
        label="Audit logs (JSM)",
        singular="JSM audit log entry",
        plural="JSM audit log entries",
        about=f"Who changed what in JSM Operations: the newest {AUDIT_LOGS_PER_RUN} entries of "
        "GET /v1/logs each sync (older ones are kept, never marked removed while more exist).",
        read_whole=False,
        filters=(),
        team_kind=TEAMS,
    ),
)

# The sync card and history spell "JSM" in its own streams' labels ("JSM on calls").
register_stream_labels(
    {
        name: f"JSM {name.removeprefix('jsm_').replace('_', ' ')}"
        for name in (
            TEAMS,
            ESCALATIONS,
            SCHEDULES,
            ON_CALLS,
            HEARTBEATS,
            INTEGRATIONS,
            ROUTING_RULES,
            AUDIT_LOGS,
        )
    }
)
