"""The wizard's Validate step (and ``manage.py connect jsm``): ask the site, the token and the
JQL, one at a time, and say exactly what to fix.

1. ``GET https://{site}.atlassian.net/_edge/tenant_info`` (no auth): the site exists; its cloudId.
2. ``GET /rest/api/3/myself``: Jira accepts the email and API token (401 otherwise).
3. ``GET /jsm/ops/api/{cloudId}/v1/alerts?size=1``: the user has an Operations role (403 otherwise).
4. ``GET /rest/api/3/search/jql?jql=…&maxResults=1``: the incident JQL runs (400: Jira's words).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from integrations.http import ErrorKind, UpstreamError
from integrations.models import ErrorAction
from integrations.providers.jsm.client import JsmClient, listing_jql
from integrations.providers.jsm.site import site_host
from integrations.redaction import redact
from integrations.validation import ValidationFailure, Wording, failure

PROVIDER_NAME = "Jira Service Management"
# The role the Ops API needs (reference §1: "needs a Global or Team Operations role").
OPERATIONS_ROLE = "Operations role (a Global or Team Operations role)"
TOKEN_PAGE = "id.atlassian.com → Security → API tokens"  # noqa: S105 - where, not what

WORDING = Wording(
    provider=PROVIDER_NAME,
    invalid="Jira did not accept the email and API token: check the email is the Atlassian "
    f"account's and copy the whole token again from {TOKEN_PAGE}. A token stops working when "
    "it expires, is revoked, or its user is deactivated.",
    forbidden=f"The Atlassian account has no {OPERATIONS_ROLE} in Jira Service Management: ask "
    "a JSM admin to give it one (Settings → Operations → Roles), or use another account's token.",
    payment="This site's plan does not include the Jira Service Management Operations API.",
    credential="email and API token",
)


@dataclass(frozen=True)
class SiteFacts:
    """What validation learned, kept with the connection."""

    cloud_id: str
    account_id: str
    time_zone: str


def validate_site(
    *, site: str, email: str, api_token: str, jql: str
) -> SiteFacts | ValidationFailure:
    """The site's facts when everything answers as it should; otherwise what to fix."""
    client = JsmClient(
        site=site,
        email=email,
        api_token=api_token,
        max_attempts=settings.WIZARD_MAX_ATTEMPTS,
        deadline=settings.UPSTREAM_INTERACTIVE_DEADLINE_SECONDS,
    )
    try:
        found = _checked(client, site=site, email=email, jql=jql)
    except UpstreamError as error:
        found = failure_for_error(error)
    finally:
        client.close()
    if isinstance(found, SiteFacts):
        return found
    # The page shows the upstream's words: never with the token just typed in them.
    return replace(found, message=redact(found.message, [api_token]))


def _checked(
    client: JsmClient, *, site: str, email: str, jql: str
) -> SiteFacts | ValidationFailure:
    try:
        client.cloud_id = client.tenant_info()
    except UpstreamError as error:
        if error.kind in (ErrorKind.HTTP, ErrorKind.MALFORMED):
            return unknown_site(site)
        raise
    user = client.myself()
    try:
        client.ops_get("/alerts", params={"size": 1})
    except UpstreamError as error:
        if error.kind == ErrorKind.FORBIDDEN:
            return no_operations_role(email)
        if error.status == 404:
            return ValidationFailure(
                f"Jira Service Management Operations does not answer for {site_host(site)} "
                "(404): check the site has Jira Service Management with Operations.",
                ErrorAction.NONE,
                "site",
            )
        raise
    try:
        # As the sync will run it: the admin's JQL, and the order the sync adds.
        client.search(listing_jql(jql), fields=["id"], max_results=1)
    except UpstreamError as error:
        if error.status == 400:
            return jql_refused(error)
        raise
    return SiteFacts(
        cloud_id=client.cloud_id,
        account_id=str(user.get("accountId") or "")[:128],
        time_zone=time_zone(user.get("timeZone")),
    )


def unknown_site(site: str) -> ValidationFailure:
    return ValidationFailure(
        f"There is no Atlassian site called “{site}”: {site_host(site)} did not answer as a "
        "Jira site. Enter the name as it appears in your browser's address bar in Jira "
        "(acme for acme.atlassian.net).",
        ErrorAction.NONE,
        "site",
    )


def no_operations_role(email: str) -> ValidationFailure:
    return ValidationFailure(
        f"The Atlassian account {email} has no {OPERATIONS_ROLE} in Jira Service Management, "
        "so it may not read alerts, teams or schedules. Ask a JSM admin to give it one "
        "(Settings → Operations → Roles), or use the token of an account that has one.",
        ErrorAction.FIX_PERMISSIONS,
        "email",
    )


def jql_refused(error: UpstreamError) -> ValidationFailure:
    said = f" Jira said: {error.message}" if error.message else ""
    return ValidationFailure(
        f"Jira refused the incident JQL.{said} Correct the JQL (try it in Jira's issue "
        "search first).",
        ErrorAction.NONE,
        "jql",
    )


def failure_for_error(error: UpstreamError) -> ValidationFailure:
    """The message and action for an error met while validating or syncing."""
    if error.status == 400:
        return jql_refused(error)
    if error.kind == ErrorKind.UNAUTHORIZED:
        return ValidationFailure(WORDING.invalid, ErrorAction.REENTER_KEY, "api_token")
    found = failure(error, wording=WORDING)
    if found.field == "api_key":
        return replace(found, field="api_token")
    return found


def time_zone(value: object) -> str:
    """The user's time zone (Jira reads JQL dates in it), UTC when it names none we know."""
    if isinstance(value, str) and value:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return "UTC"
        return value
    return "UTC"
