from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from integrations.models import Connection, ConnectionStatus, ProviderService
from integrations.providers.base import Link, Provider
from integrations.providers.registry import providers


@dataclass(frozen=True)
class CatalogEntry:
    provider: Provider
    connection: Connection | None

    @property
    def status_label(self) -> str:
        return self.connection.status_label if self.connection else "Not connected"

    @property
    def status_slug(self) -> str:
        return self.connection.status_style if self.connection else "not-connected"

    @property
    def is_connected(self) -> bool:
        return (
            self.connection is not None and self.connection.status != ConnectionStatus.DISCONNECTED
        )


def catalog_entries(*, query: str = "", connected_only: bool = False) -> list[CatalogEntry]:
    registered = providers()
    connections = {c.provider: c for c in Connection.objects.filter(provider__in=registered)}
    entries = [
        CatalogEntry(provider, connections.get(slug))
        for slug, provider in registered.items()
        if not query or provider.matches(query)
    ]
    if connected_only:
        entries = [entry for entry in entries if entry.is_connected]
    return entries


def connection_for(*, provider: str) -> Connection | None:
    return Connection.objects.select_related("connected_by").filter(provider=provider).first()


@dataclass(frozen=True)
class ReportAddress:
    provider: Provider
    email: str


def report_addresses() -> list[ReportAddress]:
    """Where staff report incidents, per connected provider that has an address set."""
    registered = providers()
    connections = (
        Connection.objects.exclude(status=ConnectionStatus.DISCONNECTED)
        .exclude(report_email="")
        .filter(provider__in=registered)
        .order_by("provider")
    )
    return [ReportAddress(registered[c.provider], c.report_email) for c in connections]


def report_address_links() -> list[Link]:
    """The pages where an admin sets a report address, one per provider that has one."""
    return [p.report_address_link for p in providers().values() if p.report_address_link]


def known_service_names() -> list[str]:
    """The name of every service the connections' services streams have synced, deleted ones
    included (old incidents still name them): the incident list's service choices. One query on
    the services table (a few hundred rows), whatever the number of incidents."""
    names = ProviderService.objects.order_by().values_list("name", flat=True).distinct()
    return sorted(set(names), key=str.casefold)


@dataclass(frozen=True)
class SwitchedOff:
    """A stream an admin switched off for a connection: the Data library says so instead of
    showing an empty page."""

    stream: str
    connection: str  # the provider's name, as the product names the connection
    at: datetime | None
    by: str


def streams_switched_off(
    *, stream: str | None = None, connection: Connection | None = None
) -> list[SwitchedOff]:
    """The streams switched off: of every connection not disconnected (one query; one row a
    provider), or of ``connection``; only ``stream`` when given."""
    registered = providers()
    if connection is not None:
        connections = [connection]
    else:
        connections = list(
            Connection.objects.exclude(status=ConnectionStatus.DISCONNECTED)
            .filter(provider__in=registered)
            .order_by("provider")
        )
    found = []
    for row in connections:
        provider = registered.get(row.provider)
        for name in row.streams_off:
            if provider is None or stream not in (None, name):
                continue
            since = row.streams_off_since.get(name) or {}
            found.append(
                SwitchedOff(
                    stream=name,
                    connection=provider.name,
                    at=_moment(since.get("at")),
                    by=str(since.get("by") or ""),
                )
            )
    return found


def _moment(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None
