"""Step 3 of the wizard: ask OpsGenie whether the key works, and say exactly what to fix."""

from __future__ import annotations

from integrations.http import UpstreamError
from integrations.providers.opsgenie.client import OpsgenieClient
from integrations.validation import (
    ValidationFailure,
    Wording,
    failure,
    validate_api_key,
)

WORDING = Wording(
    provider="OpsGenie",
    invalid="Invalid API key: OpsGenie did not accept it. Copy the whole key from OpsGenie → "
    "Settings → API key management and check the integration or key is enabled.",
    forbidden="Insufficient permissions: enable read access to incidents for this key.",
    payment="This OpsGenie plan has no Incident API: incidents need the Standard or Enterprise "
    "plan.",
)


def validate_key(*, api_key: str, region: str) -> ValidationFailure | None:
    """None when the key reads incidents in ``region``; otherwise what went wrong."""
    return validate_api_key(OpsgenieClient, api_key=api_key, region=region, wording=WORDING)


def failure_for_error(error: UpstreamError) -> ValidationFailure:
    """The message and action for an error met after connecting (e.g. during a sync)."""
    return failure(error, wording=WORDING)
