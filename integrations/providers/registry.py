"""The only list of providers. The URLs, the sync engine, ``manage.py connect``, the catalog, the
installed apps, the sandbox server and ``bin/run-dev`` read it; a provider's slug is named nowhere
else outside its package.

This module must stay importable without Django (the sandbox server reads ``PACKAGES``): each
package's ``provider.py`` imports Django, so it is loaded only when ``providers()`` is first read.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from integrations.providers.base import Provider

# Adding a provider: its package here, one line.
PACKAGES: tuple[str, ...] = (
    "integrations.providers.opsgenie",
    "integrations.providers.pagerduty",
    "integrations.providers.jsm",
)


@cache
def providers() -> dict[str, Provider]:
    """Every registered provider by slug, in the order of PACKAGES."""
    loaded = [import_module(f"{package}.provider").PROVIDER for package in PACKAGES]
    return {provider.slug: provider for provider in loaded}


def get_provider(slug: str) -> Provider:
    return providers()[slug]


def provider_name(slug: str) -> str:
    """A provider's name as people read it ("OpsGenie"); the slug itself when none is
    registered under it (rows kept from a provider since removed)."""
    provider = providers().get(slug)
    return provider.name if provider else slug
