from __future__ import annotations

from integrations.providers.base import ProviderInfo
from integrations.providers.opsgenie import PROVIDER as OPSGENIE
from integrations.providers.pagerduty import PROVIDER as PAGERDUTY

PROVIDERS: dict[str, ProviderInfo] = {provider.slug: provider for provider in (OPSGENIE, PAGERDUTY)}


def get_provider(slug: str) -> ProviderInfo:
    return PROVIDERS[slug]
