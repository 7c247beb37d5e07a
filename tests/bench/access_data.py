"""The access part of `make bench`: a staff directory and one critical system's accounts.

Written the way a sync writes them (the accounts store, so every account gets its mapping by
email), with the mix a large company has: most accounts belong to active staff, some to
offboarded people, some to nobody, a few service accounts; nearly everyone holds the upstream
role their org role may hold, a few an Owner role above it."""

from __future__ import annotations

import random

from tests.bench.incident_data import analyze

ORG_ROLES = ("Engineering", "SRE", "Support", "Finance", "Sales")
# Who may hold what: every org role has access; only engineers and SREs may be admins.
ALLOWED = {
    "Engineering": ["User", "Admin"],
    "SRE": ["User", "Admin"],
    "Support": ["User", "Observer"],
    "Finance": ["Observer"],
    "Sales": ["Observer"],
}
# Mostly what the org role may hold; a few percent above it (the items the check exists for).
USUAL_ROLE = {
    "Engineering": "User",
    "SRE": "Admin",
    "Support": "User",
    "Finance": "Observer",
    "Sales": "Observer",
}


def populate_accounts(size: int, *, seed: int = 2) -> int:
    """Replace the directory and the accounts with ``size`` of each; returns the system's id."""
    from django.db import transaction

    from access.mapping import rematch
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
        people = [
            StaffMember(
                name=f"Person {n}",
                email=f"person{n}@example.com",
                org_role=rng.choice(roles),
                status="offboarded" if rng.random() < 0.03 else "active",
            )
            for n in range(size)
        ]
        StaffMember.objects.bulk_create(people, batch_size=2000)
        system = CriticalSystem.objects.create(connection=connection, access_type="role_based")
        for role in roles:
            AllowedRole.objects.create(
                system=system, org_role=role, upstream_roles=ALLOWED[role.name]
            )
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
                role=USUAL_ROLE[people[n].org_role.name] if rng.random() < 0.95 else "Owner",
                teams=("Platform",),
            )
        )
    for start in range(0, size, 100):  # a sync's pages
        ACCOUNTS.save(connection=connection, records=records[start : start + 100])
    rematch()  # what the sync's evaluator does next
    # Autovacuum analyzes 5,000 new rows within a minute or two; the pages are timed sooner,
    # and without statistics PostgreSQL plans each access query for one row (a nested loop
    # over all 5,000, or a sort of them all: the system's page took 25 ms more).
    analyze("access_account", "access_accountmapping", "access_staffmember")
    return system.pk
