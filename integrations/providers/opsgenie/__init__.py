from datetime import date

from integrations.providers.base import ProviderInfo, Region

REGIONS = (Region("us", "US (default)"), Region("eu", "EU"))

PROVIDER = ProviderInfo(
    slug="opsgenie",
    name="OpsGenie",
    uses=("Incident management", "Access management", "Notifications"),
    summary="Sync incidents, services and user accounts from Atlassian OpsGenie.",
    regions=REGIONS,
    connect_url_name="integrations:opsgenie-connect",
    logo_static="integrations/logos/opsgenie.svg",
    # Atlassian ends the OpsGenie REST API on this date (reference/peers-and-style.md §E).
    end_of_life=date(2027, 4, 5),
    search_terms=("atlassian", "alerts", "on-call", "incidents"),
)
