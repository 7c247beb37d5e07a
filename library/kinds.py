"""The Data library's configuration kinds: every registered provider's ``library_kinds``
(integrations/providers/base.py ``LibraryKind``), collected once the apps are ready. A kind is
named after its stream ("teams", "heartbeats"...); what a kind's columns and relations are is
read by the provider when it reads the item (``integrations.config_records.ConfigRecord``), so
this app never reads a provider's fields.
"""

from __future__ import annotations

from integrations.providers.base import LibraryKind as Kind
from integrations.providers.registry import providers

__all__ = [
    "KINDS",
    "Kind",
    "declared_kinds",
    "kinds_of",
    "provider_of",
    "register_kinds",
    "services_kind",
]

KINDS: dict[str, Kind] = {}
# Provider slug -> role ("escalations", "on_calls"...) -> its kind of that role.
ROLES: dict[str, dict[str, Kind]] = {}
# Kind name -> the slug of the provider declaring it.
PROVIDERS: dict[str, str] = {}
# Provider slug -> its kind showing its services (``Kind.holds_services``).
SERVICES: dict[str, Kind] = {}


def declared_kinds() -> list[tuple[str, Kind]]:
    """(provider slug, kind) of every registered provider's kinds, in the registry's order."""
    return [(slug, kind) for slug, p in providers().items() for kind in p.library_kinds]


def register_kinds() -> None:
    """Collect every provider's kinds (the library app's ``ready``)."""
    for slug, kind in declared_kinds():
        KINDS[kind.name] = kind
        PROVIDERS[kind.name] = slug
        if kind.holds_services:
            SERVICES[slug] = kind
        if kind.role:
            ROLES.setdefault(slug, {})[kind.role] = kind


def kinds_of(slug: str) -> dict[str, Kind]:
    """A provider's kinds by the role they play for the readiness checks."""
    return ROLES.get(slug, {})


def provider_of(kind: Kind) -> str:
    """The slug of the provider declaring ``kind``."""
    return PROVIDERS[kind.name]


def services_kind(slug: str) -> Kind | None:
    """The kind showing a provider's services; None for one without services (JSM)."""
    return SERVICES.get(slug)
