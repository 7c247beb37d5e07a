"""PagerDuty as the rest of the product sees it (the contract: integrations/providers/base.py)."""

from __future__ import annotations

from integrations.providers.base import Link, Provider, Region, StreamInfo
from integrations.providers.pagerduty.config_reader import NEEDS as CONFIGURATION_NEEDS
from integrations.providers.pagerduty.forms import PagerDutyKeyForm
from integrations.providers.pagerduty.library_kinds import LIBRARY_KINDS
from integrations.providers.pagerduty.oauth import revoke_tokens
from integrations.providers.pagerduty.validation import validate_key

# The SPEC's role enum (reference §4.2) with the names PagerDuty's UI gives them under Advanced
# Permissions (§4.2 [O]; without it "user" reads User and "limited_user" Limited User). Most
# privileged first; the order of the last four is our judgement, the SPEC gives none.
ROLES = (
    ("owner", "Account Owner"),
    ("admin", "Global Admin"),
    ("user", "Manager"),
    ("limited_user", "Responder"),
    ("observer", "Observer"),
    ("restricted_access", "Restricted Access"),
    ("read_only_user", "Full Stakeholder"),
    ("read_only_limited_user", "Limited Stakeholder"),
)

ACCOUNTS_NEED = "the users.read scope (OAuth) or a key of a user who may list users"

PROVIDER = Provider(
    package="integrations.providers.pagerduty",
    slug="pagerduty",
    name="PagerDuty",
    uses=("Incident management", "Access management"),
    summary="Sync incidents, services and user accounts from PagerDuty, with OAuth or a "
    "read-only API key.",
    regions=(Region("us", "US (default)"), Region("eu", "EU")),
    base_urls_setting="PAGERDUTY_BASE_URLS",
    logo_static="integrations/logos/pagerduty.svg",
    connect_url_name="integrations:pagerduty-connect",
    key_form=PagerDutyKeyForm,
    validate_key=validate_key,
    service_selection=True,
    report_address_link=Link("integrations:pagerduty-services", "PagerDuty services"),
    search_terms=("incidents", "on-call", "services", "oauth"),
    account_roles=ROLES,
    accounts_need=ACCOUNTS_NEED,
    library_kinds=LIBRARY_KINDS,
    streams=(
        StreamInfo("services", "Services", "the services.read scope", optional=False),
        StreamInfo("incidents", "Incidents", "the incidents.read scope", optional=False),
        StreamInfo(
            "incident_details", "Incident notes and log entries", "the incidents.read scope"
        ),
        *(
            StreamInfo(name, label, CONFIGURATION_NEEDS[name])
            for name, label in (
                ("pagerduty_teams", "Teams and their members"),
                ("escalation_policies", "Escalation policies"),
                ("pagerduty_schedules", "Schedules"),
                ("pagerduty_on_calls", "On-calls (next 14 days, from the final schedules)"),
                ("business_services", "Business services"),
            )
        ),
        # Read only for a connection made a critical system (the access app decides).
        StreamInfo("accounts", "Users and their teams", ACCOUNTS_NEED, optional=False),
    ),
    revoke_credentials=revoke_tokens,
)
