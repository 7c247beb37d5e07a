"""Turning an upstream's answer to a credential check into what the admin must do.

Each provider supplies its wording; the branches (PRODUCT 3.2) are the same for all: 401 asks the
other region too, because a credential of the other region gets the same 401."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from django.conf import settings

from integrations.http import ErrorKind, SharedDeadline, UpstreamError
from integrations.models import ErrorAction
from integrations.redaction import redact

REGION_NAMES = {"us": "US", "eu": "EU"}


@dataclass(frozen=True)
class ValidationFailure:
    message: str
    action: ErrorAction
    # The form field the message is about, so the form can show it there.
    field: str | None = None
    # The region that accepts the key when it was refused in the one chosen: the wizard offers
    # to connect there in one click (integrations/held_keys.py).
    other_region: str | None = None

    @property
    def other_region_name(self) -> str:
        return REGION_NAMES.get(self.other_region or "", "")


@dataclass(frozen=True)
class Wording:
    provider: str
    invalid: str  # the 401 message
    forbidden: str  # the 403 message, before the upstream's own words
    payment: str  # the 402 message, before the upstream's own words
    credential: str = "API key"


# check(region, max_attempts) raises UpstreamError when the credential does not work there.
Check = Callable[[str, int], None]


class _IncidentReader(Protocol):
    def check_incident_access(self) -> None: ...
    def close(self) -> None: ...


def incident_access_check(make_client: Callable[[str, int], _IncidentReader]) -> Check:
    """A Check that opens a provider client for the region and asks for one incident."""

    def check(region: str, max_attempts: int) -> None:
        client = make_client(region, max_attempts)
        try:
            client.check_incident_access()
        finally:
            client.close()

    return check


def validate_api_key(
    make_client: Callable[..., _IncidentReader], *, api_key: str, region: str, wording: Wording
) -> ValidationFailure | None:
    """None when the key reads incidents in ``region`` (the wizard's retries); otherwise what
    went wrong, naming the other region when the key belongs there."""
    # The region asked for and, after a 401, the other one share one person's wait.
    budget = SharedDeadline(settings.UPSTREAM_INTERACTIVE_DEADLINE_SECONDS)
    check = incident_access_check(
        lambda region, attempts: make_client(
            api_key=api_key,
            region=region,
            max_attempts=attempts,
            deadline=budget.remaining(),
        )
    )
    problem = validate(
        check=check, region=region, wording=wording, max_attempts=settings.WIZARD_MAX_ATTEMPTS
    )
    if problem is None:
        return None
    # The page shows the upstream's words: never with the key the admin has just typed in them.
    return replace(problem, message=redact(problem.message, [api_key]))


def validate(
    *, check: Check, region: str, wording: Wording, max_attempts: int
) -> ValidationFailure | None:
    try:
        check(region, max_attempts)
    except UpstreamError as error:
        other = (
            _other_region_accepting(check, region) if error.kind == ErrorKind.UNAUTHORIZED else None
        )
        return failure(error, wording=wording, region=region, other_region=other)
    return None


def failure(
    error: UpstreamError,
    *,
    wording: Wording,
    region: str | None = None,
    other_region: str | None = None,
) -> ValidationFailure:
    upstream = f"({wording.provider} said: {error.message})" if error.message else ""
    if error.kind == ErrorKind.UNAUTHORIZED:
        if other_region:
            name = REGION_NAMES[other_region]
            return ValidationFailure(
                f"Invalid {wording.credential} for the {REGION_NAMES[region or 'us']} region. "
                f"This key belongs to the {name} region — select {name}.",
                ErrorAction.SELECT_REGION,
                "region",
                other_region=other_region,
            )
        return ValidationFailure(wording.invalid, ErrorAction.REENTER_KEY, "api_key")
    if error.kind == ErrorKind.FORBIDDEN:
        return ValidationFailure(
            f"{wording.forbidden} {upstream}".strip(), ErrorAction.FIX_PERMISSIONS, "api_key"
        )
    if error.kind == ErrorKind.PAYMENT_REQUIRED:
        return ValidationFailure(f"{wording.payment} {upstream}".strip(), ErrorAction.UPGRADE_PLAN)
    if error.kind in (ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE):
        # Whether anything was saved is for the caller to say: the wizard saves nothing (its
        # page says so), while a sync may fail after storing pages (SyncRun.summary says which).
        return ValidationFailure(
            f"{wording.provider} is not answering, try again in a minute ({error.describe()}, "
            f"after {error.attempts} attempts).",
            ErrorAction.RETRY,
        )
    if error.kind == ErrorKind.MALFORMED:
        return ValidationFailure(
            f"{wording.provider} answered with something that is not valid JSON; try again later.",
            ErrorAction.RETRY,
        )
    action = ErrorAction.REENTER_KEY if error.permanent else ErrorAction.RETRY
    return ValidationFailure(f"{wording.provider} answered {error.describe()}", action)


def _other_region_accepting(check: Check, region: str) -> str | None:
    """Any answer other than 401 in the other region means the credential is known there."""
    other = next(slug for slug in REGION_NAMES if slug != region)
    try:
        check(other, 1)
    except UpstreamError as error:
        if error.kind in (ErrorKind.FORBIDDEN, ErrorKind.PAYMENT_REQUIRED):
            return other
        return None
    return other
