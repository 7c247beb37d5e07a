from __future__ import annotations

import re

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
    # A UUID (reference: opsgenie-api.md §1.1), e.g. 645feccc-e9bf-5d23-bcf3-8f9ba06eeb11.
    key_characters = re.compile(r"[A-Za-z0-9-]+")
    wrong_characters = (
        "An OpsGenie API key is made of ASCII letters, digits and dashes only "
        "(it looks like 1b2c3d4e-5f6a-…): copy it again from OpsGenie."
    )
