from __future__ import annotations

from integrations.forms import ApiKeyForm


class OpsgenieKeyForm(ApiKeyForm):
    key_help = (
        "OpsGenie → Settings → API key management. It is stored encrypted and never shown "
        "again; only its last four characters are displayed."
    )
    region_help = (
        "The region your OpsGenie account lives in: EU if you sign in at app.eu.opsgenie.com."
    )
    not_a_key = "This does not look like an OpsGenie API key."
