"""The access part of `make bench`: a staff directory and one critical system's accounts.

Written the way a sync writes them (the accounts store, so every account gets its mapping by
email), with the mix a large company has: most accounts belong to active staff, some to
offboarded people, some to nobody, a few service accounts; roles mostly User."""

from __future__ import annotations

import random

ORG_ROLES = ("Engineering", "SRE", "Support", "Finance", "Sales")
UPSTREAM_ROLES = ("User", "User", "User", "User", "Admin", "Observer", "Owner")


def populate_accounts(size: int, *, seed: int = 2) -> int:
    """Replace the directory and the accounts with ``size`` of each; returns the system's id."""
    from django.db import transaction

    from access.models import (
        Account,
        AccountMapping,
        AllowedRole,
        CriticalSystem,
        OrgRole,
        StaffMember,
    )
    from access.store import ACCOUNTS
    from integrations.models import Connection
    from integrations.records import AccountRecord

    rng = random.Random(seed)
    connection = Connection.objects.get(provider="opsgenie")
    with transaction.atomic():
        AccountMapping.history.model.objects.all().delete()
        AccountMapping.objects.all().delete()
        Account.objects.all().delete()
        StaffMember.objects.all().delete()
        AllowedRole.objects.all().delete()
        CriticalSystem.objects.all().delete()
        roles = [OrgRole.objects.get_or_create(name=name)[0] for name in ORG_ROLES]
        StaffMember.objects.bulk_create(
            [
                StaffMember(
                    name=f"Person {n}",
                    email=f"person{n}@example.com",
                    org_role=rng.choice(roles),
                    status="offboarded" if rng.random() < 0.03 else "active",
                )
                for n in range(size)
            ],
            batch_size=2000,
        )
        system = CriticalSystem.objects.create(connection=connection, access_type="role_based")
        for role in roles[:3]:
            AllowedRole.objects.create(system=system, org_role=role, upstream_roles=["User"])
    records = []
    for n in range(size):
        draw = rng.random()
        email = (
            f"person{n}@example.com"
            if draw < 0.95
            else f"bot{n}@example.com"
            if draw < 0.97
            else f"stranger{n}@example.org"
        )
        records.append(
            AccountRecord(
                upstream_id=f"user-{n}",
                email=email,
                name=f"Person {n}",
                role=rng.choice(UPSTREAM_ROLES),
                teams=("Platform",),
            )
        )
    for start in range(0, size, 100):  # a sync's pages
        ACCOUNTS.save(connection=connection, records=records[start : start + 100])
    return system.pk
