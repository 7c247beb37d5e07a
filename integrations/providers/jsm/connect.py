"""Connecting Jira Service Management: the wizard's details step and ``manage.py connect jsm``.

Nothing is saved unless the site, the token, the Operations role and the JQL have all just
answered as they should; a refusal raises ``ConnectRefused`` with what the admin must fix.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from integrations.connect import Actor, ConnectRefused, holds_evidence
from integrations.models import Connection, ErrorAction
from integrations.providers.jsm.provider import PROVIDER, REGION
from integrations.providers.jsm.site import site_host
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
        existing = Connection.objects.select_for_update().filter(provider=PROVIDER.slug).first()
        if holds_evidence(existing) and not _same_site(existing, site, found.cloud_id):  # type: ignore[arg-type]
            raise ConnectRefused(_another_site(existing, site))  # type: ignore[arg-type]
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
            account_id=found.cloud_id,
        )
        if streams_off is not None:
            on = [s.name for s in PROVIDER.optional_streams if s.name not in streams_off]
            connection_set_streams(connection=connection, on=on, user=user)
    return connection


def _same_site(connection: Connection, site: str, cloud_id: str) -> bool:
    """The site the connection has read: by its cloudId, which a renamed site keeps; by its
    name when none was kept (connected before the id was)."""
    known = connection.account_id or str(connection.get_credentials().get("cloud_id") or "")
    if known:
        return known == cloud_id
    return connection.account_name == site


def _another_site(connection: Connection, site: str) -> ValidationFailure:
    before = site_host(connection.account_name) if connection.account_name else "its site"
    return ValidationFailure(
        message=f"{site_host(site)} is another site than {before}, which this connection has "
        f"synced: their work items would be mixed in one connection, where their ids collide. "
        f"Nothing was changed: this connection and its evidence stay {before}'s (EvidenceHub "
        f"holds one Jira Service Management connection). A renamed site is accepted: it keeps "
        f"its cloud id.",
        action=ErrorAction.NONE,
        field="site",
    )
