"""OpsGenie as the rest of the product sees it (the contract: integrations/providers/base.py)."""

from __future__ import annotations

from datetime import date

from integrations.providers.base import Provider, Region
from integrations.providers.opsgenie.forms import OpsgenieKeyForm
from integrations.providers.opsgenie.validation import validate_key

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
    # Atlassian ends the OpsGenie REST API on this date (reference/peers-and-style.md §E).
    end_of_life=date(2027, 4, 5),
    search_terms=("atlassian", "alerts", "on-call", "incidents"),
)
