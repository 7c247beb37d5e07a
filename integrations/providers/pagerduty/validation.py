"""Check a PagerDuty REST API key, with the same answers as the OpsGenie wizard."""

from __future__ import annotations

from django.conf import settings

from integrations.http import UpstreamError
from integrations.providers.pagerduty.client import PagerDutyClient
from integrations.validation import (
    ValidationFailure,
    Wording,
    failure,
    incident_access_check,
    validate,
)

WORDING = Wording(
    provider="PagerDuty",
    invalid="Invalid API key: PagerDuty did not accept it. Copy the whole key from PagerDuty → "
    "Integrations → API Access Keys (a read-only key is enough).",
    forbidden="Insufficient permissions: this key cannot read incidents (a user key sees only "
    "what its user sees; use a read-only account key).",
    payment="This PagerDuty account lacks an ability the incident API needs.",
)


def validate_key(*, api_key: str, region: str) -> ValidationFailure | None:
    """None when the key reads incidents in ``region``; otherwise what went wrong."""
    check = incident_access_check(
        lambda region, attempts: PagerDutyClient(
            api_key=api_key, region=region, max_attempts=attempts
        )
    )
    return validate(
        check=check, region=region, wording=WORDING, max_attempts=settings.WIZARD_MAX_ATTEMPTS
    )


def failure_for_error(error: UpstreamError) -> ValidationFailure:
    return failure(error, wording=WORDING)
