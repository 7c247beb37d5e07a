"""Connecting PagerDuty: the OAuth authorization (its start and PagerDuty's redirect back) and the
API key. Both store only credentials PagerDuty has just accepted, and keep or reset the choice of
services depending on whether the account is the same as before.

Failures raise ``ConnectRefused`` (integrations/connect.py): what the admin reads; nothing saved.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Mapping, MutableMapping
from typing import Any

from django.db import transaction

from integrations.connect import Actor, ConnectRefused
from integrations.http import UpstreamError
from integrations.models import Connection, ErrorAction
from integrations.providers.pagerduty import oauth
from integrations.providers.pagerduty.provider import PROVIDER
from integrations.providers.pagerduty.validation import (
    OAUTH_WORDING,
    account_subdomain,
    validate_key,
    validate_token,
)
from integrations.redaction import credential_secrets, redact
from integrations.selectors import connection_for
from integrations.services import (
    connection_save_validated,
    connection_start_syncing,
    credential_hint,
)
from integrations.validation import ValidationFailure, failure

SESSION_KEY = "pagerduty_oauth"
# An approval that takes longer than this must start again (the state is single-use anyway).
OAUTH_MAX_AGE_SECONDS = 15 * 60

# What the admin reads when PagerDuty's redirect or token answer is not a success.
OAUTH_ERRORS = {
    "access_denied": "You declined access in PagerDuty, so nothing was connected. To connect, "
    "choose Connect with PagerDuty again and approve.",
    "invalid_grant": "PagerDuty did not accept the authorization code: it is valid for only 30 "
    "seconds and once. Choose Connect with PagerDuty again.",
    "invalid_client": "PagerDuty did not recognise this installation's app credentials "
    "(PAGERDUTY_OAUTH_CLIENT_ID / PAGERDUTY_OAUTH_CLIENT_SECRET). Ask the operator to check "
    "them, or use an API key.",
}
NOT_CONFIGURED = ValidationFailure(
    "Connect with PagerDuty is not set up on this installation: the operator must register "
    "a PagerDuty app and set PAGERDUTY_OAUTH_CLIENT_ID and PAGERDUTY_OAUTH_CLIENT_SECRET. "
    "You can use an API key instead.",
    ErrorAction.NONE,
)
FOREIGN_STATE = ValidationFailure(
    "This answer from PagerDuty does not belong to a connection started in this browser "
    "session, so it was refused and nothing was saved. Start again with Connect with PagerDuty.",
    ErrorAction.RETRY,
)


def _retry(message: str) -> ConnectRefused:
    return ConnectRefused(ValidationFailure(message, ErrorAction.RETRY))


def oauth_start(*, session: MutableMapping[str, Any], redirect_uri: str) -> str:
    """A fresh state and PKCE verifier, kept in this admin's session; returns the address of
    PagerDuty's consent page."""
    if not oauth.is_configured():
        raise ConnectRefused(NOT_CONFIGURED, status=400)
    verifier, challenge = oauth.new_pkce_pair()
    state = secrets.token_urlsafe(32)
    session[SESSION_KEY] = {
        "state": state,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "started": time.time(),
    }
    return oauth.authorize_url(state=state, code_challenge=challenge, redirect_uri=redirect_uri)


def oauth_finish(
    *, session: MutableMapping[str, Any], answer: Mapping[str, str], user: Actor
) -> Connection:
    """PagerDuty sent the admin back with ``answer`` (the query string). The state must be the one
    this session started; the code is exchanged once, and the token must read incidents."""
    pending = session.pop(SESSION_KEY, None)
    state = answer.get("state", "")
    if (
        not isinstance(pending, dict)
        or not state
        or not hmac.compare_digest(str(pending.get("state", "")), state)
    ):
        raise ConnectRefused(FOREIGN_STATE, status=403)
    if time.time() - float(pending.get("started", 0)) > OAUTH_MAX_AGE_SECONDS:
        raise _retry("The approval took too long. Start again.")
    error = answer.get("error")
    code = answer.get("code", "")
    if error or not code:
        raise _retry(OAUTH_ERRORS.get(error or "") or _declined_message(answer))
    tokens = _exchange(code=code, pending=pending)
    region, subdomain = oauth.account_of(tokens.claims)
    problem, region = validate_token(access_token=tokens.access_token, region=region)
    if problem is not None:
        raise _retry(redact(problem.message, credential_secrets(tokens.credentials())))
    # The ID token normally names the account; when it does not, its users' links do.
    subdomain = subdomain or account_subdomain(region=region, access_token=tokens.access_token)
    return connection_save(
        user=user,
        region=region,
        credentials=tokens.credentials(),
        hint="",
        auth_method="oauth",
        account_name=subdomain,
    )


def key_connect(*, api_key: str, region: str, user: Actor) -> Connection:
    """Connect with a REST API key, once PagerDuty has accepted it in ``region``."""
    problem = validate_key(api_key=api_key, region=region)
    if problem is not None:
        raise ConnectRefused(problem)
    return connection_save(
        user=user,
        region=region,
        credentials={"api_key": api_key},
        hint=credential_hint(api_key),
        auth_method="api_key",
        # A key names no account: without it, a switch from OAuth to a key of the same account
        # would forget the chosen services and stop syncing until they were chosen again.
        account_name=account_subdomain(region=region, api_key=api_key),
    )


def connection_save(*, user: Actor, **values: Any) -> Connection:
    """Store validated credentials. Another account (or region) than before starts the service
    choice again; the same account keeps it, whether it signs in with OAuth or a key, and
    syncing resumes at once. When PagerDuty does not name the account, only a new key replacing
    a key keeps the choice (as before accounts were told apart)."""
    with transaction.atomic():
        previous = connection_for(provider=PROVIDER.slug)
        connection = connection_save_validated(
            provider=PROVIDER.slug, user=user, start_sync=False, **values
        )
        same_account = (
            previous is not None
            and previous.region == connection.region
            and previous.account_name == connection.account_name
            and (bool(connection.account_name) or previous.auth_method == connection.auth_method)
        )
        if previous is not None and not same_account and connection.services_confirmed_at:
            connection.service_ids, connection.services_confirmed_at = [], None
            connection.save(update_fields=["service_ids", "services_confirmed_at", "updated_at"])
    if connection.services_confirmed_at is not None:
        connection_start_syncing(connection)
    return connection


def _exchange(*, code: str, pending: dict[str, Any]) -> oauth.TokenSet:
    try:
        return oauth.exchange_code(
            code=code, code_verifier=pending["verifier"], redirect_uri=pending["redirect_uri"]
        )
    except oauth.OAuthError as refused:
        said = f" (PagerDuty said: {refused.description})" if refused.description else ""
        if refused.error in OAUTH_ERRORS:
            raise _retry(f"{OAUTH_ERRORS[refused.error]}{said}") from refused
        raise _retry(f"PagerDuty refused the authorization ({refused.error}){said}.") from refused
    except UpstreamError as upstream:
        raise _retry(failure(upstream, wording=OAUTH_WORDING).message) from upstream


def _declined_message(answer: Mapping[str, str]) -> str:
    described = answer.get("error_description", "")[:200]
    if answer.get("error"):
        return f"PagerDuty did not authorize the connection ({answer['error'][:60]}). " + (
            f"It said: {described}" if described else "Nothing was saved."
        )
    return "PagerDuty sent no authorization code back. Nothing was saved; start again."
