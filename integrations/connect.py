"""Connecting a provider with an API key: the wizard's key step and ``manage.py connect``.

Nothing is saved unless the provider has just accepted the key in the chosen region; a refusal
raises ``ConnectRefused`` with what the admin must fix.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from integrations.models import Connection, ErrorAction
from integrations.providers.base import Provider
from integrations.services import (
    connection_save_validated,
    connection_set_streams,
    credential_hint,
)
from integrations.validation import REGION_NAMES, ValidationFailure

# Who connects: the signed-in admin, or None from the command line.
Actor = AbstractBaseUser | AnonymousUser | None


class ConnectRefused(Exception):
    """Nothing was connected; ``failure`` says why, ``status`` is the page's HTTP status."""

    def __init__(self, failure: ValidationFailure, *, status: int = 200) -> None:
        super().__init__(failure.message)
        self.failure, self.status = failure, status


def holds_evidence(connection: Connection | None) -> bool:
    """The connection has synced (its incidents, alerts and the rest belong to its account):
    it cannot be given another account's credentials. Its row is the provider's only one, so
    another account's records would be mixed with these, under ids that may collide (Jira's
    work-item ids are numbers per site)."""
    return connection is not None and connection.sync_runs.exists()


def key_connect(
    *,
    provider: Provider,
    api_key: str,
    region: str,
    user: Actor,
    service_ids: Sequence[str] | None = None,
    streams_off: Sequence[str] | None = None,
) -> Connection:
    """Validate the key, then store it as the provider's Connected connection; syncing starts on
    commit. ``service_ids`` (providers with a service selection) replaces the chosen services;
    ``streams_off`` (the wizard's Review step) the optional streams switched off."""
    if provider.validate_key is None:
        raise ValueError(f"{provider.name} has no API-key path.")
    existing = Connection.objects.filter(provider=provider.slug).first()
    if provider.region_is_account and holds_evidence(existing) and existing.region != region:  # type: ignore[union-attr]
        raise ConnectRefused(_another_region(provider, existing))  # type: ignore[arg-type]
    problem = provider.validate_key(api_key=api_key, region=region)
    if problem is not None:
        raise ConnectRefused(problem)
    with transaction.atomic():
        connection = connection_save_validated(
            provider=provider.slug,
            region=region,
            credentials={"api_key": api_key},
            hint=credential_hint(api_key),
            user=user,
        )
        if service_ids is not None:
            # The first sync (started on commit) reads only the chosen services.
            connection.service_ids = sorted(service_ids)
            connection.save(update_fields=["service_ids"])
        if streams_off is not None:
            # Before the first sync (started on commit): it never reads what was switched off.
            on = [s.name for s in provider.optional_streams if s.name not in streams_off]
            connection_set_streams(connection=connection, on=on, user=user)
    return connection


def _another_region(provider: Provider, existing: Connection) -> ValidationFailure:
    """A key of another region is another account (each region is a separate service)."""
    before = REGION_NAMES.get(existing.region, existing.region)
    return ValidationFailure(
        message=f"This connection reads {provider.name}'s {before} account, and its synced "
        f"evidence stays that account's: a key of another region is another account, whose "
        f"records would be mixed with these. Nothing was changed. Keep the region "
        f"{before} with a key of the same account.",
        action=ErrorAction.NONE,
        field="region",
    )
