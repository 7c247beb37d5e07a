"""Step 3 of the wizard: ask OpsGenie whether the key works, and say exactly what to fix."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from integrations.http import ErrorKind, UpstreamError
from integrations.models import ErrorAction
from integrations.providers.opsgenie import REGIONS
from integrations.providers.opsgenie.client import OpsgenieClient

REGION_NAMES = {"us": "US", "eu": "EU"}


@dataclass(frozen=True)
class ValidationFailure:
    message: str
    action: ErrorAction
    # The form field the message is about, so the form can show it there.
    field: str | None = None


def validate_key(*, api_key: str, region: str) -> ValidationFailure | None:
    """None when the key reads incidents in ``region``; otherwise what went wrong."""
    try:
        _check(api_key=api_key, region=region, max_attempts=settings.WIZARD_MAX_ATTEMPTS)
    except UpstreamError as error:
        return _failure(error, api_key=api_key, region=region)
    return None


def failure_for_error(error: UpstreamError) -> ValidationFailure:
    """The message and action for an error met after connecting (e.g. during a sync)."""
    return _failure(error, api_key=None, region=None)


def _check(*, api_key: str, region: str, max_attempts: int) -> None:
    client = OpsgenieClient(api_key=api_key, region=region, max_attempts=max_attempts)
    try:
        client.check_incident_access()
    finally:
        client.close()


def _failure(error: UpstreamError, *, api_key: str | None, region: str | None) -> ValidationFailure:
    if error.kind == ErrorKind.UNAUTHORIZED:
        other = _other_region_accepting(api_key, region) if api_key and region else None
        if other:
            name = REGION_NAMES[other]
            return ValidationFailure(
                f"Invalid API key for the {REGION_NAMES[region or 'us']} region. "
                f"This key belongs to the {name} region — select {name}.",
                ErrorAction.SELECT_REGION,
                "region",
            )
        return ValidationFailure(
            "Invalid API key: OpsGenie did not accept it. Copy the whole key from OpsGenie → "
            "Settings → API key management and check the integration or key is enabled.",
            ErrorAction.REENTER_KEY,
            "api_key",
        )
    if error.kind == ErrorKind.FORBIDDEN:
        return ValidationFailure(
            "Insufficient permissions: enable read access to incidents for this key "
            f"(OpsGenie said: {error.message or 'forbidden'}).",
            ErrorAction.FIX_PERMISSIONS,
            "api_key",
        )
    if error.kind == ErrorKind.PAYMENT_REQUIRED:
        return ValidationFailure(
            "This OpsGenie plan has no Incident API: incidents need the Standard or Enterprise "
            f"plan (OpsGenie said: {error.message or 'payment required'}).",
            ErrorAction.UPGRADE_PLAN,
        )
    if error.kind in (ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE):
        return ValidationFailure(
            f"OpsGenie is not answering, try again in a minute ({error.describe()}, after "
            f"{error.attempts} attempts). Nothing was saved.",
            ErrorAction.RETRY,
        )
    if error.kind == ErrorKind.MALFORMED:
        return ValidationFailure(
            "OpsGenie answered with something that is not valid JSON; try again later.",
            ErrorAction.RETRY,
        )
    return ValidationFailure(
        f"OpsGenie answered {error.describe()}",
        ErrorAction.RETRY if not error.permanent else ErrorAction.REENTER_KEY,
    )


def _other_region_accepting(api_key: str, region: str) -> str | None:
    """OpsGenie answers a key of the other region with the same 401 as a wrong key, so ask the
    other region too. Any answer other than 401 there means the key is known there."""
    other = next(r.slug for r in REGIONS if r.slug != region)
    try:
        _check(api_key=api_key, region=other, max_attempts=1)
    except UpstreamError as error:
        if error.kind in (ErrorKind.FORBIDDEN, ErrorKind.PAYMENT_REQUIRED):
            return other
        return None
    return other
