"""Connecting Jira Service Management: the wizard's details step and ``manage.py connect jsm``.

Nothing is saved unless the site, the token, the Operations role and the JQL have all just
answered as they should; a refusal raises ``ConnectRefused`` with what the admin must fix.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from integrations.connect import Actor, ConnectRefused
from integrations.models import Connection
from integrations.providers.jsm.provider import PROVIDER, REGION
from integrations.providers.jsm.validation import validate_site
from integrations.services import (
    connection_save_validated,
    connection_set_streams,
    credential_hint,
)
from integrations.validation import ValidationFailure


def jsm_connect(
    *,
    site: str,
    email: str,
    api_token: str,
    jql: str,
    user: Actor,
    streams_off: Sequence[str] | None = None,
) -> Connection:
    """Validate, then store the connection (credentials encrypted); syncing starts on commit."""
    found = validate_site(site=site, email=email, api_token=api_token, jql=jql)
    if isinstance(found, ValidationFailure):
        raise ConnectRefused(found)
    with transaction.atomic():
        connection = connection_save_validated(
            provider=PROVIDER.slug,
            region=REGION,
            credentials={
                "site": site,
                "cloud_id": found.cloud_id,
                "account_id": found.account_id,
                "email": email,
                "api_token": api_token,
                "jql": jql,
            },
            hint=credential_hint(api_token),
            user=user,
            account_name=site,
        )
        if streams_off is not None:
            on = [s.name for s in PROVIDER.optional_streams if s.name not in streams_off]
            connection_set_streams(connection=connection, on=on, user=user)
    return connection
