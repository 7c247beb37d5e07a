"""Check a PagerDuty REST API key, with the same answers as the OpsGenie wizard."""

from __future__ import annotations

from django.conf import settings

from integrations.http import ErrorKind, SharedDeadline, UpstreamError
from integrations.providers.pagerduty.client import PagerDutyClient
from integrations.validation import (
    ValidationFailure,
    Wording,
    failure,
    validate_api_key,
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
    return validate_api_key(PagerDutyClient, api_key=api_key, region=region, wording=WORDING)


def account_subdomain(
    *, region: str, api_key: str | None = None, access_token: str | None = None
) -> str:
    """The subdomain of the account these credentials belong to, "" when PagerDuty does not
    say. One attempt within the wizard's deadline: the credentials were just accepted, and an
    unknown account only means the chosen services are asked for again."""
    client = PagerDutyClient(
        api_key=api_key,
        access_token=access_token,
        region=region,
        max_attempts=1,
        deadline=settings.UPSTREAM_INTERACTIVE_DEADLINE_SECONDS,
    )
    try:
        return client.account_subdomain()
    except UpstreamError:
        return ""
    finally:
        client.close()


def failure_for_error(error: UpstreamError) -> ValidationFailure:
    return failure(error, wording=WORDING)


OAUTH_WORDING = Wording(
    provider="PagerDuty",
    invalid="PagerDuty did not accept the authorization it has just granted. Connect with "
    "PagerDuty again.",
    forbidden="This authorization cannot read incidents: the PagerDuty user who approved it "
    "cannot see them, or the app lacks the incidents.read scope.",
    payment=WORDING.payment,
    credential="authorization",
)


def validate_token(
    *, access_token: str, region: str | None
) -> tuple[ValidationFailure | None, str]:
    """Check an OAuth access token reads incidents; (failure or None, the region it works in).

    The region normally comes from the ID token; when it does not say, both are tried."""
    candidates = [region] if region else ["us", "eu"]
    budget = SharedDeadline(settings.UPSTREAM_INTERACTIVE_DEADLINE_SECONDS)
    for attempt, candidate in enumerate(candidates, start=1):
        client = PagerDutyClient(
            access_token=access_token,
            region=candidate,
            max_attempts=settings.WIZARD_MAX_ATTEMPTS,
            deadline=budget.remaining(),
        )
        try:
            client.check_incident_access()
        except UpstreamError as error:
            if error.kind == ErrorKind.UNAUTHORIZED and attempt < len(candidates):
                continue  # not this region's token
            return failure(error, wording=OAUTH_WORDING), candidate
        finally:
            client.close()
        return None, candidate
    raise AssertionError("unreachable")  # pragma: no cover


# After connecting, in a sync: the authorization stopped working.
OAUTH_SYNC_WORDING = Wording(
    provider="PagerDuty",
    invalid="PagerDuty no longer accepts this connection's authorization (it was revoked, or "
    "renewing it was refused): connect with PagerDuty again.",
    forbidden="This PagerDuty authorization may not read incidents: connect with PagerDuty "
    "again and allow reading incidents.",
    payment=WORDING.payment,
    credential="authorization",
)
