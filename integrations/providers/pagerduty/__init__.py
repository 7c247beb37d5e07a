"""PagerDuty (REST API v2)."""

from integrations.providers.base import ProviderInfo, Region

REGIONS = (Region("us", "US (default)"), Region("eu", "EU"))

PROVIDER = ProviderInfo(
    slug="pagerduty",
    name="PagerDuty",
    uses=("Incident management",),
    summary="Sync incidents and services from PagerDuty, with OAuth or a read-only API key.",
    regions=REGIONS,
    connect_url_name="integrations:pagerduty-connect",
    logo_static="integrations/logos/pagerduty.svg",
    search_terms=("incidents", "on-call", "services", "oauth"),
)
