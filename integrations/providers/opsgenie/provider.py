"""OpsGenie as the rest of the product sees it (the contract: integrations/providers/base.py)."""

from __future__ import annotations

from datetime import date

from integrations.providers.base import Provider, Region, StreamInfo
from integrations.providers.opsgenie.config_reader import NEEDS as CONFIGURATION_READ
from integrations.providers.opsgenie.forms import OpsgenieKeyForm
from integrations.providers.opsgenie.library_kinds import LIBRARY_KINDS
from integrations.providers.opsgenie.parents_reader import PARENTS_PER_RUN
from integrations.providers.opsgenie.rules_reader import USERS_PER_RUN
from integrations.providers.opsgenie.validation import validate_key

# The built-in user roles (reference §5.1: owner, admin, user, or a custom role's name), as
# AccountRecord.role holds them (the role object's name), most privileged first.
BUILT_IN_ROLES = (("Owner", "Owner"), ("Admin", "Admin"), ("User", "User"))
# Unconfirmed: no source in reference/opsgenie-api.md names a built-in Stakeholder role (only
# owner, admin, user and custom roles); offered so rules can name it, and harmless if unused.
UNCONFIRMED_ROLES = (("Stakeholder", "Stakeholder"),)
# Atlassian ends OpsGenie, its REST API included, on this day (reference/jsm-access-outbound.md
# §1, peers-and-style.md §E); an account is switched off 120 days after its migration.
OPSGENIE_END_OF_LIFE = date(2027, 4, 5)

PROVIDER = Provider(
    package="integrations.providers.opsgenie",
    slug="opsgenie",
    name="OpsGenie",
    uses=("Incident management", "Access management", "Notifications"),
    summary="Sync incidents, services and user accounts from Atlassian OpsGenie.",
    regions=(Region("us", "US (default)"), Region("eu", "EU")),
    base_urls_setting="OPSGENIE_BASE_URLS",
    logo_static="integrations/logos/opsgenie.svg",
    connect_url_name="integrations:opsgenie-connect",
    key_form=OpsgenieKeyForm,
    validate_key=validate_key,
    region_is_account=True,
    end_of_life=OPSGENIE_END_OF_LIFE,
    # Jira Service Management: its incidents carry on OpsGenie's (integrations/moves.py).
    successors=("jsm",),
    search_terms=("atlassian", "alerts", "on-call", "incidents"),
    account_roles=BUILT_IN_ROLES + UNCONFIRMED_ROLES,
    accounts_need=CONFIGURATION_READ,
    library_streams=("alerts",),
    library_kinds=LIBRARY_KINDS,
    streams=(
        StreamInfo("services", "Services", "an API key with Read access", optional=False),
        StreamInfo("incidents", "Incidents", "an API key with Read access", optional=False),
        StreamInfo(
            "incident_details", "Incident notes, logs and timeline", "an API key with Read access"
        ),
        StreamInfo("alerts", "Alerts", "an API key with Read access"),
        StreamInfo(
            "alert_details", "Alert logs, notes and recipients", "an API key with Read access"
        ),
        *(
            StreamInfo(name, label, CONFIGURATION_READ)
            for name, label in (
                ("teams", "Teams and their members"),
                ("escalations", "Escalations"),
                ("schedules", "Schedules and rotations"),
                ("on_calls", "On-calls (next 14 days)"),
                ("heartbeats", "Heartbeats"),
                ("integrations", "Integrations"),
                ("routing_rules", "Team routing rules"),
                ("team_roles", "Team roles"),
                ("team_logs", "Team logs (each team's newest 100)"),
                ("maintenances", "Maintenances"),
                ("custom_roles", "Custom user roles"),
                ("forwarding_rules", "Forwarding rules"),
                (
                    "notification_rules",
                    f"Users' notification rules (up to {USERS_PER_RUN} users a run)",
                ),
                ("contacts", f"Users' contacts (up to {USERS_PER_RUN} users a run)"),
                ("alert_policies", f"Alert policies (up to {PARENTS_PER_RUN} teams a run)"),
                (
                    "schedule_overrides",
                    f"Schedule overrides (up to {PARENTS_PER_RUN} schedules a run)",
                ),
                (
                    "incident_rules",
                    f"Service incident rules (up to {PARENTS_PER_RUN} services a run)",
                ),
                ("incident_templates", "Custom incident templates"),
            )
        ),
        # Read only for a connection made a critical system (the access app decides).
        StreamInfo(
            "accounts",
            "Users and their teams",
            CONFIGURATION_READ,
            optional=False,
        ),
    ),
)
