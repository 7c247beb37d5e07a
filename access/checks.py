"""The access checks (PRODUCT 5): who should not have access to a critical system. Each failing
item names the system and the account's email; accounts removed upstream are never failing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import partial

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from access.models import (
    AccessType,
    Account,
    AllowedRole,
    CriticalSystem,
    MappingKind,
    StaffStatus,
)
from integrations.models import ConnectionStatus
from integrations.providers.registry import provider_name, providers
from lib.checks import Check, FailingRow, register
from lib.events import EventType

TOPIC = "access"
OFFBOARDED_PREFIX = "access-offboarded-"
IDENTIFIED_KEY = "access-identified"
VALID_KEY = "access-valid"
RULES_KEY = "access-rules"


def _systems() -> QuerySet[CriticalSystem]:
    return CriticalSystem.objects.exclude(connection__status=ConnectionStatus.DISCONNECTED)


def live_accounts(provider: str | None = None) -> QuerySet[Account]:
    """The accounts the checks judge: still upstream, of a critical system still connected."""
    accounts = Account.objects.filter(
        removed_at__isnull=True, connection__critical_system__in=_systems()
    )
    return accounts if provider is None else accounts.filter(connection__provider=provider)


def _account_row(pk: int, email: str, name: str, provider: str, reason: str) -> FailingRow:
    system = provider_name(provider)
    url = f"{_account_prefix()}{pk}/"
    return FailingRow(f"account:{pk}", f"{email or name} on {system}", url, reason, system)


def _account_prefix() -> str:
    # reverse() once, not once per failing account (thousands when a directory is missing).
    return reverse("access:account", args=[0])[: -len("0/")]


def _ago(day: object, today: object) -> str:
    days = (today - day).days  # type: ignore[operator]
    return "today" if days == 0 else f"{days} d ago" if days > 0 else f"in {-days} d"


def failing_offboarded(provider: str, now: datetime) -> Iterator[FailingRow]:
    today = timezone.localdate(now)
    accounts = live_accounts(provider).filter(
        Q(mapping__kind=MappingKind.STAFF, mapping__staff__status=StaffStatus.OFFBOARDED)
        | Q(mapping__kind=MappingKind.EXTERNAL, mapping__external_until__lt=today)
    )
    rows = accounts.values_list(
        "pk",
        "email",
        "name",
        "mapping__kind",
        "mapping__staff__name",
        "mapping__staff__last_working_day",
        "mapping__staff__offboarded_on",
        "mapping__external_until",
    )
    system = provider_name(provider)
    for pk, email, name, kind, person, last_day, offboarded_on, until in rows.iterator(2000):
        if kind == MappingKind.EXTERNAL:
            reason = (
                f"External access was agreed until {date_format(until, 'j M Y')} "
                f"({_ago(until, today)}); the account still exists in {system}"
            )
        else:
            since = last_day or offboarded_on
            when = (
                f"last working day {date_format(since, 'j M Y')}, {_ago(since, today)}"
                if since
                else "no last working day recorded"
            )
            reason = f"{person} is offboarded ({when}); the account still exists in {system}"
        yield _account_row(pk, email, name, provider, reason)


def failing_unidentified(now: datetime) -> Iterator[FailingRow]:
    accounts = live_accounts().filter(
        Q(mapping__isnull=True) | Q(mapping__kind=MappingKind.NOT_IDENTIFIED)
    )
    for pk, email, name, provider in accounts.values_list(
        "pk", "email", "name", "connection__provider"
    ).iterator(2000):
        reason = (
            f"No one in the staff directory has the email {email}"
            if email
            else "The account has no email"
        ) + ": map it to a person, or mark it Not a person or External"
        yield _account_row(pk, email, name, provider, reason)


def failing_invalid(now: datetime) -> Iterator[FailingRow]:
    """Staff whose org role may not access the system, or whose upstream role is above what
    their org role may hold (role-based systems; with All staff any active person may)."""
    rules: dict[int, dict[int, list[str]]] = {}
    for system_id, org_role_id, upstream in AllowedRole.objects.values_list(
        "system_id", "org_role_id", "upstream_roles"
    ):
        rules.setdefault(system_id, {})[org_role_id] = list(upstream or [])
    accounts = live_accounts().filter(
        connection__critical_system__access_type=AccessType.ROLE_BASED,
        mapping__kind=MappingKind.STAFF,
        mapping__staff__status=StaffStatus.ACTIVE,
    )
    rows = accounts.values_list(
        "pk",
        "email",
        "name",
        "role",
        "connection__provider",
        "connection__critical_system",
        "mapping__staff__name",
        "mapping__staff__org_role_id",
        "mapping__staff__org_role__name",
    )
    for pk, email, name, role, provider, system, person, org_role, org_name in rows.iterator(2000):
        allowed = rules.get(system, {})
        if org_role is None:
            reason = f"{person} has no org role in the staff directory"
        elif org_role not in allowed:
            reason = f"{person}'s org role {org_name} may not access this system"
        elif allowed[org_role] and role not in allowed[org_role]:
            reason = _role_not_allowed(provider, role, org_name, allowed[org_role])
        else:
            continue
        yield _account_row(pk, email, name, provider, reason)


def _role_not_allowed(provider: str, role: str, org_role: str, allowed: list[str]) -> str:
    """ "above what SRE may hold" when the provider ranks the roles and this one outranks every
    allowed one; otherwise "not one SRE may hold" (a custom role, or a lower one)."""
    known = providers().get(provider)
    ranks = {
        value: rank for rank, (value, _label) in enumerate(known.account_roles if known else ())
    }
    may = ", ".join(allowed)
    ranked = role in ranks and all(value in ranks for value in allowed)
    if ranked and ranks[role] < min(ranks[value] for value in allowed):
        return f"Upstream role {role} is above what {org_role} may hold ({may})"
    return f"Upstream role {role or '(none)'} is not one {org_role} may hold ({may})"


def failing_unconfigured(now: datetime) -> Iterator[FailingRow]:
    systems = _systems().filter(access_type=AccessType.NOT_CONFIGURED)
    for pk, provider in systems.values_list("pk", "connection__provider"):
        system = provider_name(provider)
        yield FailingRow(
            f"critical-system:{pk}",
            system,
            reverse("access:system", args=[pk]),
            "Rules for who can access this system should be configured",
            system,
        )


def _any_system() -> bool:
    return _systems().exists()


def _accounts_count() -> int:
    return live_accounts().count()


def _systems_count() -> int:
    return _systems().count()


def register_access_checks() -> None:
    for slug, provider in providers().items():
        register(
            Check(
                key=f"{OFFBOARDED_PREFIX}{slug}",
                title=f"{provider.name} access should be removed for offboarded user",
                description=f"Fails for a {provider.name} account, of a critical system, mapped "
                "to a person the staff directory says is offboarded, or to an external whose "
                "agreed access has ended, while the account still exists upstream.",
                how_to_fix=f"Remove or deactivate the account in {provider.name}; the next sync "
                "shows it gone and the item passes, with the removal date kept as evidence.",
                topic=TOPIC,
                applicable=partial(_provider_has_system, slug),
                checked_count=partial(_provider_accounts, slug),
                failing=partial(failing_offboarded, slug),
                # Each offboarded person's account is an alert of its own (PRODUCT 7).
                item_event=EventType.OFFBOARDED_ACCESS,
            )
        )
    register(
        Check(
            key=IDENTIFIED_KEY,
            title="User should be identified",
            description="Fails for an account of a critical system that is mapped to nobody in "
            "the staff directory and not marked Not a person (service or shared) or External.",
            how_to_fix="Add the person to the staff directory (accounts match by email, aliases "
            "included), or open the account and map it by hand.",
            topic=TOPIC,
            applicable=_any_system,
            checked_count=_accounts_count,
            failing=failing_unidentified,
        )
    )
    register(
        Check(
            key=VALID_KEY,
            title="User access to critical system should be valid",
            description="Fails for an account whose person's org role may not access the system "
            "under its valid access type, or whose upstream role is above what that org role "
            "may hold.",
            how_to_fix="Remove the account or lower its role upstream, or change the system's "
            "valid access type if the access is right.",
            topic=TOPIC,
            applicable=_any_system,
            checked_count=_accounts_count,
            failing=failing_invalid,
        )
    )
    register(
        Check(
            key=RULES_KEY,
            title="Rules for who can access critical systems should be configured",
            description="Fails for a critical system without a valid access type (All staff, "
            "or which org roles may have access).",
            how_to_fix="Open the critical system and choose its valid access type.",
            topic=TOPIC,
            applicable=_any_system,
            checked_count=_systems_count,
            failing=failing_unconfigured,
        )
    )


def _provider_has_system(provider: str) -> bool:
    return _systems().filter(connection__provider=provider).exists()


def _provider_accounts(provider: str) -> int:
    return live_accounts(provider).count()
