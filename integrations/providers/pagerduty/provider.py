"""PagerDuty as the rest of the product sees it (the contract: integrations/providers/base.py)."""

from __future__ import annotations

from integrations.providers.base import Link, Provider, Region
from integrations.providers.pagerduty.forms import PagerDutyKeyForm
from integrations.providers.pagerduty.validation import validate_key

PROVIDER = Provider(
    package="integrations.providers.pagerduty",
    slug="pagerduty",
    name="PagerDuty",
    uses=("Incident management",),
    summary="Sync incidents and services from PagerDuty, with OAuth or a read-only API key.",
    regions=(Region("us", "US (default)"), Region("eu", "EU")),
    base_urls_setting="PAGERDUTY_BASE_URLS",
    logo_static="integrations/logos/pagerduty.svg",
    connect_url_name="integrations:pagerduty-connect",
    key_form=PagerDutyKeyForm,
    validate_key=validate_key,
    service_selection=True,
    report_address_link=Link("integrations:pagerduty-services", "PagerDuty services"),
    search_terms=("incidents", "on-call", "services", "oauth"),
)
