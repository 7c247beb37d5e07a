from __future__ import annotations

from integrations.providers.base import ProviderInfo
from integrations.providers.opsgenie import PROVIDER as OPSGENIE

PROVIDERS: dict[str, ProviderInfo] = {provider.slug: provider for provider in (OPSGENIE,)}


def get_provider(slug: str) -> ProviderInfo:
    return PROVIDERS[slug]
