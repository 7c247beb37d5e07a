"""What every provider package declares. Adding a provider = a package with the same files as
``providers/opsgenie`` plus one line in ``registry.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Region:
    slug: str
    label: str


@dataclass(frozen=True)
class ProviderInfo:
    slug: str
    name: str
    # What it is used for, as shown on the catalog card: "Incident management", ...
    uses: tuple[str, ...]
    summary: str
    regions: tuple[Region, ...]
    # The URL name of the first wizard step; the connection page is "integrations:<slug>".
    connect_url_name: str
    logo_static: str
    end_of_life: date | None = None
    search_terms: tuple[str, ...] = field(default=())

    @property
    def package(self) -> str:
        return f"integrations.providers.{self.slug}"

    def matches(self, query: str) -> bool:
        haystack = " ".join((self.name, self.summary, *self.uses, *self.search_terms)).lower()
        return all(word in haystack for word in query.lower().split())
