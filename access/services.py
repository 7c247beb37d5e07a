"""Writes of the access pages, each followed by the access checks' evaluation."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from access.checks import TOPIC
from access.events import emit_access_rules_changed
from access.mapping import rematch
from access.models import AccessType, AllowedRole, CriticalSystem, OrgRole
from integrations.models import Connection
from lib.checks import engine


def access_changed(*, reason: str) -> None:
    """Something the access checks read changed: re-match by email, then evaluate."""
    rematch()
    engine().evaluate(topic=TOPIC, reason=reason[:200])


class AccessRefused(Exception):
    """The change was not made; the message says why."""


def critical_system_add(*, connection: Connection, user: AbstractBaseUser | None) -> CriticalSystem:
    system = CriticalSystem(connection=connection, added_by=user)
    system._history_user = user  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            system.save()
    except IntegrityError:
        # The database's one-to-one is the check: a double submit, or two admins at once,
        # cannot both pass it between a look and a write.
        raise AccessRefused("This integration is already a critical system.") from None
    engine().evaluate(topic=TOPIC, reason="a critical system was added")
    return system


def valid_access_set(
    *,
    system: CriticalSystem,
    access_type: str,
    user: AbstractBaseUser | None,
    roles: Iterable[tuple[OrgRole, list[str]]] = (),
) -> CriticalSystem:
    """The system's valid access type: All staff, or which org roles (each with the upstream
    roles it may hold; empty: any)."""
    roles = list(roles) if access_type == AccessType.ROLE_BASED else []
    if access_type == AccessType.ROLE_BASED and not roles:
        raise AccessRefused("Choose at least one org role that may access this system.")
    with transaction.atomic():
        # One change of a system's valid access at a time: two at once would both add the same
        # org role's rule (a unique constraint) where the second should replace the first.
        locked = CriticalSystem.objects.select_for_update().filter(pk=system.pk).first()
        type_before = locked.access_type if locked is not None else system.access_type
        rules = list(system.allowed.select_related("org_role"))
        rules_before = {rule.org_role.name: list(rule.upstream_roles) for rule in rules}
        system.access_type = access_type
        system._history_user = user  # type: ignore[attr-defined]
        system.save()
        wanted = {role.pk: upstream for role, upstream in roles}
        for rule in rules:
            if rule.org_role_id not in wanted:
                rule._history_user = user  # type: ignore[attr-defined]
                rule.delete()
            elif rule.upstream_roles != wanted[rule.org_role_id]:
                rule.upstream_roles = wanted.pop(rule.org_role_id)
                rule._history_user = user  # type: ignore[attr-defined]
                rule.save()
            else:
                wanted.pop(rule.org_role_id)
        for org_role_id, upstream in wanted.items():
            rule = AllowedRole(system=system, org_role_id=org_role_id, upstream_roles=upstream)
            rule._history_user = user  # type: ignore[attr-defined]
            rule.save()
        emit_access_rules_changed(
            system,
            type_before=type_before,
            rules_before=rules_before,
            rules_after={role.name: list(upstream) for role, upstream in roles},
            by=user.get_username() if user is not None else "the system",
        )
    engine().evaluate(topic=TOPIC, reason="a valid access type changed")
    return system
