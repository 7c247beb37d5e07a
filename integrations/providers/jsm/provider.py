"""Jira Service Management as the rest of the product sees it (the contract:
integrations/providers/base.py): incidents (Jira work items found by a JQL) from the site, and
alerts, teams, escalations, schedules, on-calls, heartbeats, integrations, team routing rules and
audit logs from the Ops API (the readiness checks judge them as OpsGenie's)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integrations.providers.base import MoveRef, Provider, Region, StreamInfo
from integrations.providers.jsm.library_kinds import LIBRARY_KINDS
from integrations.providers.jsm.mapping import OPSGENIE_TINY_ID
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
from integrations.providers.jsm.ops_reader import AUDIT_LOGS_PER_RUN, NEEDS_OPS, TEAMS_PER_RUN

# One gateway (api.atlassian.com) serves every region; data residency is per product.
REGION = "cloud"
NEEDS_JQL = "an API token of an account that may browse the incident work items"


def account_email(credentials: Mapping[str, Any]) -> str:
    """The Atlassian account the API token acts as: the token dies with that person."""
    return str(credentials.get("email") or "")


PROVIDER = Provider(
    package="integrations.providers.jsm",
    slug="jsm",
    name="Jira Service Management",
    uses=("Incident management",),
    summary="Sync incidents (Jira work items) from Jira Service Management, OpsGenie's "
    "successor, with an Atlassian account's API token.",
    regions=(Region(REGION, "Atlassian Cloud"),),
    base_urls_setting="JSM_BASE_URLS",
    logo_static="integrations/logos/jsm.svg",
    connect_url_name="integrations:jsm-connect",
    own_command_line=True,
    search_terms=("atlassian", "jira", "jsm", "opsgenie", "incidents", "operations", "on-call"),
    # A work item moved from OpsGenie carries its tiny id (mapping.py): the same incident as
    # the OpsGenie incident of that number. OpsGenie's incidents have no alias (reference
    # §3.3), so an alias alone matches nothing: such items are left for the admin to match.
    move_refs=(MoveRef(predecessor="opsgenie", ref=OPSGENIE_TINY_ID, field="number"),),
    credential_owner=account_email,
    library_streams=("alerts",),
    library_kinds=LIBRARY_KINDS,
    streams=(
        StreamInfo("incidents", "Incidents (work items found by the JQL)", NEEDS_JQL, False),
        *(
            StreamInfo(name, label, NEEDS_OPS)
            for name, label in (
                ("alerts", "Alerts"),
                (TEAMS, "Teams"),
                (ESCALATIONS, f"Escalations (up to {TEAMS_PER_RUN} teams a run)"),
                (SCHEDULES, "Schedules"),
                (ON_CALLS, "On-calls (next 14 days)"),
                (HEARTBEATS, f"Heartbeats (up to {TEAMS_PER_RUN} teams a run)"),
                (INTEGRATIONS, "Integrations"),
                (ROUTING_RULES, f"Team routing rules (up to {TEAMS_PER_RUN} teams a run)"),
                (AUDIT_LOGS, f"Audit logs (the newest {AUDIT_LOGS_PER_RUN})"),
            )
        ),
    ),
)
