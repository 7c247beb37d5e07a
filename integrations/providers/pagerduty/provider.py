"""PagerDuty as the rest of the product sees it (the contract: integrations/providers/base.py)."""

from __future__ import annotations

from integrations.providers.base import Link, Provider, Region
from integrations.providers.pagerduty.forms import PagerDutyKeyForm
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
    accounts_need="the users.read scope (OAuth) or a key of a user who may list users",
    revoke_credentials=revoke_tokens,
)
