"""The only list of providers. The URLs, the sync engine, ``manage.py connect``, the sandbox
server and ``bin/run-dev`` read it; a provider's slug is named nowhere else outside its package.

This module must stay importable without Django (the sandbox server reads ``PACKAGES``).
"""

from __future__ import annotations

from integrations.providers.base import ProviderInfo
from integrations.providers.opsgenie import PROVIDER as OPSGENIE
from integrations.providers.pagerduty import PROVIDER as PAGERDUTY

# Adding a provider: its package here, one line.
PACKAGES: tuple[str, ...] = (
    "integrations.providers.opsgenie",
    "integrations.providers.pagerduty",
)

PROVIDERS: dict[str, ProviderInfo] = {provider.slug: provider for provider in (OPSGENIE, PAGERDUTY)}


def get_provider(slug: str) -> ProviderInfo:
    return PROVIDERS[slug]
