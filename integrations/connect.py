"""Connecting a provider with an API key: the wizard's key step and ``manage.py connect``.

Nothing is saved unless the provider has just accepted the key in the chosen region; a refusal
raises ``ConnectRefused`` with what the admin must fix.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from integrations.models import Connection
from integrations.providers.base import Provider
from integrations.services import (
    connection_save_validated,
    connection_set_streams,
    credential_hint,
)
from integrations.validation import ValidationFailure

# Who connects: the signed-in admin, or None from the command line.
Actor = AbstractBaseUser | AnonymousUser | None


class ConnectRefused(Exception):
    """Nothing was connected; ``failure`` says why, ``status`` is the page's HTTP status."""

    def __init__(self, failure: ValidationFailure, *, status: int = 200) -> None:
        super().__init__(failure.message)
        self.failure, self.status = failure, status


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
