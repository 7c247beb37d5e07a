"""OpsGenie's configuration kinds as the Data library shows them (one stream each, mapped in
``config_mapping``); the readiness checks find them by their role."""

from __future__ import annotations

from integrations.providers.base import LibraryKind
from integrations.providers.opsgenie.parents_mapping import PRIORITIES
from integrations.providers.opsgenie.parents_reader import PARENTS_PER_RUN
from integrations.providers.opsgenie.rules_reader import TEAM_LOGS, USERS_PER_RUN

ENABLED_STATES = (("enabled", "Enabled"), ("disabled", "Disabled"))
COVERED_STATES = (("covered", "Covered"), ("gap", "Has a gap"))
PRIORITY_STATES = tuple((priority, priority) for priority in PRIORITIES)

LIBRARY_KINDS = (
    LibraryKind(
        name="teams",
        label="Teams",
        singular="team",
        about="Teams with their members (GET /v2/teams, then each team).",
        role="teams",
        named_by=(
            ("team", "Schedules, escalations, routing rules, roles and more of this team"),
            ("recipient", "Escalations that notify this team"),
            ("log_of", f"Its logs (the newest {TEAM_LOGS} upstream)"),
        ),
        filters=(),
    ),
    LibraryKind(
        name="opsgenie_services",
        label="Services",
        singular="service",
        about="Services with their owning team (GET /v1/services).",
        stream="services",
        named_by=(("service", "Its incident rules"),),
        filters=("team",),
    ),
    LibraryKind(
        name="escalations",
        label="Escalations",
        singular="escalation",
        about="Escalations with their rules and repeat (GET /v2/escalations).",
        role="escalations",
        reached_by="team",
        named_by=(("notifies", "Routing rules that route to this escalation"),),
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
            ("notifies", "Routing rules that route to this schedule"),
            ("overrides", "Its overrides"),
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
    LibraryKind(
        name="routing_rules",
        label="Team routing rules",
        singular="routing rule",
        about="Which escalation or schedule each team's alerts go to, rule by rule "
        "(GET /v2/teams/{id}/routing-rules, one call per team).",
        states=(("routes", "Routes to someone"), ("nobody", "Routes to nobody")),
        filters=("team", "state"),
    ),
    LibraryKind(
        name="team_roles",
        label="Team roles",
        singular="team role",
        about="Custom team roles with the rights they grant "
        "(GET /v2/teams/{id}/roles, one call per team).",
    ),
    LibraryKind(
        name="team_logs",
        label="Team logs",
        singular="team log",
        about=f"Each team's newest {TEAM_LOGS} log entries (GET /v2/teams/{{id}}/logs, one "
        f"call per team); a team with more makes the run mark none removed.",
        read_whole=False,
    ),
    LibraryKind(
        name="maintenances",
        label="Maintenances",
        singular="maintenance",
        about="Maintenance windows, past, active, planned and cancelled "
        "(GET /v1/maintenance?type=all).",
        states=(
            ("active", "Active"),
            ("planned", "Planned"),
            ("past", "Past"),
            ("cancelled", "Cancelled"),
        ),
        filters=("state",),
    ),
    LibraryKind(
        name="custom_roles",
        label="Custom user roles",
        singular="custom user role",
        about="Custom user roles with their granted and disallowed rights (GET /v2/roles).",
        filters=(),
    ),
    LibraryKind(
        name="forwarding_rules",
        label="Forwarding rules",
        singular="forwarding rule",
        about="Whose notifications go to whom, and when (GET /v2/forwarding-rules).",
        filters=(),
    ),
    LibraryKind(
        name="notification_rules",
        label="Notification rules",
        singular="notification rule",
        about=f"Each user's notification rules (GET /v2/users/{{id}}/notification-rules, one "
        f"call per user, for up to {USERS_PER_RUN} users a run).",
        states=ENABLED_STATES,
        filters=("state",),
    ),
    LibraryKind(
        name="contacts",
        label="Contacts",
        singular="contact",
        about=f"Each user's contact methods (GET /v2/users/{{id}}/contacts, one call per "
        f"user, for up to {USERS_PER_RUN} users a run).",
        states=ENABLED_STATES,
        filters=("state",),
    ),
    LibraryKind(
        name="alert_policies",
        label="Alert policies",
        singular="alert policy",
        plural="alert policies",
        about=f"Alert policies, global and each team's (GET /v2/policies/alert, then with "
        f"teamId: one call per team, for up to {PARENTS_PER_RUN} teams a run).",
        states=ENABLED_STATES,
        filters=("team", "state"),
    ),
    LibraryKind(
        name="schedule_overrides",
        label="Schedule overrides",
        singular="schedule override",
        about=f"Who takes over a schedule, and when (GET /v2/schedules/{{id}}/overrides: one "
        f"call per schedule, for up to {PARENTS_PER_RUN} schedules a run).",
    ),
    LibraryKind(
        name="incident_rules",
        label="Service incident rules",
        singular="incident rule",
        about=f"Which alerts open an incident on a service, and with what priority "
        f"(GET /v1/services/{{id}}/incident-rules: one call per service, for up to "
        f"{PARENTS_PER_RUN} services a run).",
        states=PRIORITY_STATES,
        filters=("state",),
    ),
    LibraryKind(
        name="incident_templates",
        label="Incident templates",
        singular="incident template",
        about="Custom incident templates (GET /v1/incident-templates, a hundred a page).",
        states=PRIORITY_STATES,
        filters=("state",),
    ),
)
