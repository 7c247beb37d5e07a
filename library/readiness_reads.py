"""What the readiness checks read, in a few queries whatever the account's size: each connected
account's synced configuration objects of the roles a check judges (``library.kinds``; removed
ones too, to say so), its services, and why a kind cannot be judged (never synced, skipped for
the key's permissions, failed).

Each kind is a few dozen objects per account, so they are read whole and judged in Python.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from integrations.models import Connection, ConnectionStatus, ProviderService, SyncRun
from integrations.providers.registry import provider_name, providers
from lib.checks import FailingRow
from lib.moments import utc_minute_text
from library.kinds import KINDS, ROLES, Kind, kinds_of, services_kind
from library.models import LibraryObject

# A run's counts name the streams it read; past this many runs back, a kind is "never synced".
RUNS_LOOKED_AT = 30
CANNOT = "Cannot judge: "


@dataclass
class Account:
    """One connected account's configuration as synced, its kinds by role (``kinds``)."""

    connection: Connection
    source: str  # the provider's name, as people read it
    kinds: dict[str, Kind]
    # kind -> why it cannot be judged ("" when its last read succeeded)
    unread: dict[str, str]
    live: dict[str, list[LibraryObject]] = field(default_factory=dict)
    removed: dict[str, dict[str, LibraryObject]] = field(default_factory=dict)
    services: list[ProviderService] = field(default_factory=list)

    def kind(self, role: str) -> str:
        """The name of the account's kind of ``role`` ("escalations", "on_calls"...)."""
        return self.kinds[role].name

    def by_id(self, kind: str) -> dict[str, LibraryObject]:
        return {row.upstream_id: row for row in self.live.get(kind, [])}

    def why_unread(self, kinds: Collection[str]) -> str:
        return "; ".join(self.unread[kind] for kind in kinds if self.unread.get(kind))


def judged() -> list[str]:
    """The providers whose configuration the readiness checks judge: those with kinds of a
    role."""
    return list(ROLES)


def connections(providers: Collection[str]) -> list[Connection]:
    return list(
        Connection.objects.filter(provider__in=list(providers))
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .order_by("pk")
    )


def any_account() -> bool:
    return (
        Connection.objects.filter(provider__in=judged())
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .exists()
    )


def _label(kind: str) -> str:
    return KINDS[kind].label.lower() if kind in KINDS else kind


def _unread(connection: Connection, kinds: Collection[str]) -> dict[str, str]:
    """Why each kind's latest read (the newest finished run that names it) gives nothing to
    judge by; one query."""
    runs = (
        SyncRun.objects.filter(connection=connection, finished_at__isnull=False)
        .order_by("-finished_at", "-pk")
        .values_list("counts", flat=True)[:RUNS_LOOKED_AT]
    )
    found: dict[str, str] = {}
    for counts in runs:
        for kind in kinds:
            entry: Any = (counts or {}).get(kind)
            if kind in found or not isinstance(entry, dict):
                continue
            if entry.get("skipped"):
                found[kind] = str(entry["skipped"])
            elif entry.get("error"):
                found[kind] = f"the last sync could not read {_label(kind)}: {entry['error']}"
            else:
                found[kind] = ""
    for kind in kinds:
        found.setdefault(kind, f"{_label(kind).capitalize()} have not been synced yet")
    return found


def accounts(
    roles: Collection[str], *, services: bool = False, optional: Collection[str] = ()
) -> list[Account]:
    """Every connected account of a provider with kinds of all ``roles``, with its objects of
    those kinds and of the ``optional`` roles it has (and its services); by provider, in the
    registry's order."""
    wanted = {
        slug: {role: kind for role, kind in kinds_of(slug).items() if role in {*roles, *optional}}
        for slug in judged()
        if set(roles) <= set(kinds_of(slug))
    }
    found: dict[int, Account] = {}
    for connection in sorted(connections(wanted), key=lambda c: list(wanted).index(c.provider)):
        kinds = wanted[connection.provider]
        names = [kind.name for kind in kinds.values()] + (["services"] if services else [])
        source = provider_name(connection.provider)
        found[connection.pk] = Account(connection, source, kinds, _unread(connection, names))
    every = {kind.name for kinds in wanted.values() for kind in kinds.values()}
    rows = LibraryObject.objects.filter(connection__in=list(found), kind__in=every)
    for row in rows.order_by("name", "id"):
        account = found[row.connection_id]
        if row.removed_upstream:
            account.removed.setdefault(row.kind, {})[row.upstream_id] = row
        else:
            account.live.setdefault(row.kind, []).append(row)
    if services:
        listed = ProviderService.objects.filter(
            connection__in=list(found), deleted_upstream=False
        ).order_by("name", "pk")
        for service in listed:
            found[service.connection_id].services.append(service)
    return list(found.values())


def syncs_services(account: Account) -> bool:
    """Whether the account's provider has services at all (JSM Operations has none)."""
    provider = providers().get(account.connection.provider)
    return provider is None or any(stream.name == "services" for stream in provider.streams)


def record_url(row: LibraryObject) -> str:
    return reverse("library:detail", args=[row.kind, row.pk])


def service_url(account: Account, service: ProviderService) -> str:
    """A service's record page in the Data library (the account's teams when its provider
    shows no services)."""
    kind = services_kind(account.connection.provider)
    if kind is None:
        return list_url(account.kind("teams"))
    return reverse("library:detail", args=[kind.name, service.pk])


def list_url(kind: str) -> str:
    return reverse("library:list", args=[kind])


def cannot_judge_all(account: Account, kind: str, why: str, fallback: str = "teams") -> FailingRow:
    """The one item of an account whose objects of ``kind`` cannot be judged at all: listed,
    so the check never passes for want of data."""
    return FailingRow(
        f"connection:{account.connection.pk}:{kind}",
        f"{KINDS[kind].label if kind in KINDS else kind.capitalize()} of {account.source}",
        list_url(kind if kind in KINDS else fallback),
        CANNOT + why,
        account.source,
    )


def empty_or_unread(
    account: Account, kind: str, listed: int, none: str, fallback: str = "teams"
) -> Iterator[FailingRow]:
    """The account-wide "cannot judge" item when ``kind`` was not read, or nothing of it was
    there to judge (``listed`` objects; ``none`` says why that leaves nothing); it links to
    the kind's list, or ``fallback``'s for one the Data library does not hold (services)."""
    why = account.why_unread([kind])
    if why:
        yield cannot_judge_all(account, kind, why, fallback)
    elif not listed:
        yield cannot_judge_all(account, kind, none, fallback)


def removed_on(row: LibraryObject) -> str:
    when = f" on {utc_minute_text(row.removed_at)}" if row.removed_at else ""
    singular = KINDS[row.kind].singular if row.kind in KINDS else row.kind
    return f"{singular} {row.name} was removed upstream{when}"
