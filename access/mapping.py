"""Who each account belongs to (PRODUCT 6): matched to the staff directory by email (aliases
included, case-insensitive) unless an admin set it by hand. Every change is kept in the
mapping's history, with who made it ("matched by email" when nobody did)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from access.models import (
    Account,
    AccountMapping,
    MappingKind,
    MappingSource,
    StaffMember,
    StaffStatus,
)
from access.staff_selectors import emails_in_use
from integrations.sync.writes import insert_values, page_transaction, reserve_pks

BY_EMAIL = "matched by email"
MAPPING_FIELDS = ("account_id", "kind", "staff_id", "source", "reason")
# A creation record in the mapping's history (simple-history): the mapping's key and
# MAPPING_FIELDS as written, then when, why and how; no user (the others: their defaults).
HISTORY_FIELDS = ("id", *MAPPING_FIELDS, "history_date", "history_change_reason", "history_type")


def staff_by_email() -> dict[str, int]:
    """Every email of the directory (aliases too), lower-cased → the person's id: the one
    index the directory's own forms use (access/staff_selectors.py)."""
    return {email: owner.person_id for email, owner in emails_in_use().items()}


def _matched(email: str, index: dict[str, int]) -> tuple[str, int | None]:
    staff = index.get(email.strip().lower()) if email else None
    return (MappingKind.STAFF, staff) if staff else (MappingKind.NOT_IDENTIFIED, None)


def map_by_email(
    accounts: Sequence[tuple[int, str]],
    index: dict[str, int],
    *,
    pks: Sequence[int] | None = None,
) -> None:
    """A mapping by email, with its creation record, for each of these accounts (id, email),
    none of which has one yet, in the caller's transaction. ``index``: staff_by_email();
    ``pks``: the new mappings' keys, in the accounts' order, when reserved with the accounts'
    own (writes.reserve_pks: one query for both).

    A whole listing maps its new accounts as it writes them, while it waits for the next page,
    instead of all of them once it has read the last (make bench: a fifth of a first accounts
    read, added after the download); rematch after the sync follows any change of the directory
    since the listing read it, and maps what was left (match_new_accounts)."""
    rows = [(pk, *_matched(email, index), MappingSource.EMAIL, "") for pk, email in accounts]
    if pks is None:
        reserved = reserve_pks([AccountMapping], len(rows))
        if reserved is None:
            # The creation records need the mappings' keys before they are written.
            raise RuntimeError("map_by_email must run in page_transaction (SQLite: write lock)")
        pks = reserved[0]
    insert_values(AccountMapping, MAPPING_FIELDS, rows, pks=pks)
    # The creation records, written as values too: copying the new rows back with INSERT …
    # SELECT cost twice the mappings' own COPY (make bench, PostgreSQL).
    when = timezone.now()
    history = [(pk, *row, when, BY_EMAIL, "+") for pk, row in zip(pks, rows, strict=True)]
    insert_values(_history_model(), HISTORY_FIELDS, history)


@functools.cache
def _history_model() -> type[Model]:
    """The mapping's historical model. ``AccountMapping.history`` builds a new manager at each
    access (inspecting its queryset's methods: 0.08 ms), once a batch of a listing."""
    return AccountMapping.history.model  # type: ignore[attr-defined,no-any-return]


def match_new_accounts(index: dict[str, int] | None = None) -> int:
    """A mapping, by email, for each account that has none; returns how many. Written as
    values with one creation record each in the mapping's history (a first sync of 5,000
    accounts writes 5,000: as instances they cost more than reading the accounts)."""
    try:
        return _match_new_accounts(index)
    except IntegrityError:
        # Another sync or a directory change mapped some of them meanwhile: read again.
        return _match_new_accounts(index)


def _match_new_accounts(index: dict[str, int] | None) -> int:
    # Written as a sync's page is (its commit does not wait for the disk: 50 ms for a first
    # read's 5,000 mappings, make bench): should the database server crash before they reach
    # it, the accounts are left without a mapping, and the next sync maps them again.
    with page_transaction():
        accounts = list(Account.objects.filter(mapping__isnull=True).values_list("pk", "email"))
        if not accounts:
            return 0
        map_by_email(accounts, staff_by_email() if index is None else index)
    return len(accounts)


def rematch() -> int:
    """Bring every mapping made by email in line with the directory and the accounts' emails
    (after a sync or a change of the directory), and map new accounts; hand-made ones are left
    alone. Returns how many existing mappings changed."""
    index = staff_by_email()
    changed: dict[int, tuple[str, int | None]] = {}
    rows = AccountMapping.objects.filter(source=MappingSource.EMAIL)
    for pk, kind, staff, email in rows.values_list(
        "pk", "kind", "staff_id", "account__email"
    ).iterator(2000):
        matched = _matched(email, index)
        if (kind, staff) != matched:
            changed[pk] = matched
    if changed:
        # Loaded whole for their history records, which copy every field.
        current = AccountMapping.objects.in_bulk(list(changed))
        for pk, (kind, staff) in changed.items():
            current[pk].kind, current[pk].staff_id = kind, staff
        bulk_update_with_history(
            list(current.values()),
            AccountMapping,
            ["kind", "staff"],
            default_change_reason=BY_EMAIL,
        )
    match_new_accounts(index)
    return len(changed)


def mapping_set(
    *,
    account: Account,
    kind: str,
    user: AbstractBaseUser,
    staff: StaffMember | None = None,
    owner: StaffMember | None = None,
    external_until: date | None = None,
    reason: str = "",
) -> AccountMapping:
    """An admin's mapping: it stays until changed by hand (the email no longer decides)."""
    with transaction.atomic():
        mapping, _ = AccountMapping.objects.select_for_update().get_or_create(
            account=account,
            defaults={"kind": MappingKind.NOT_IDENTIFIED, "source": MappingSource.EMAIL},
        )
        mapping.kind, mapping.source = kind, MappingSource.MANUAL
        mapping.staff = staff if kind == MappingKind.STAFF else None
        mapping.owner = owner if kind == MappingKind.NOT_A_PERSON else None
        mapping.external_until = external_until if kind == MappingKind.EXTERNAL else None
        mapping.reason = reason
        mapping._history_user = user  # type: ignore[attr-defined]
        mapping.save()
    return mapping


def mapping_reset(*, account: Account, user: AbstractBaseUser) -> AccountMapping:
    """Back to matching by email."""
    kind, staff = _matched(account.email, staff_by_email())
    with transaction.atomic():
        mapping, _ = AccountMapping.objects.select_for_update().get_or_create(
            account=account, defaults={"kind": kind, "source": MappingSource.EMAIL}
        )
        mapping.kind, mapping.staff_id, mapping.source = kind, staff, MappingSource.EMAIL
        mapping.owner, mapping.external_until, mapping.reason = None, None, ""
        mapping._history_user = user  # type: ignore[attr-defined]
        mapping.save()
    return mapping


# The categories people read (Sprinto's): each account is in exactly one.
EXISTING_STAFF = "Existing staff"
OFFBOARDED_STAFF = "Offboarded staff"
NOT_A_PERSON = "Not a person"
EXTERNAL = "External"
NOT_IDENTIFIED = "Not identified"
CATEGORIES = (EXISTING_STAFF, OFFBOARDED_STAFF, NOT_A_PERSON, EXTERNAL, NOT_IDENTIFIED)


def category(mapping: AccountMapping | None) -> str:
    if mapping is None:
        return NOT_IDENTIFIED
    staff = mapping.staff if mapping.kind == MappingKind.STAFF else None
    return category_of(mapping.kind, staff.status if staff is not None else None)


def category_of(kind: str | None, staff_status: str | None) -> str:
    """The category of an account mapped as ``kind`` (None: no mapping) to a person whose
    status is ``staff_status``: what a count grouped by the two needs."""
    if kind is None or kind == MappingKind.NOT_IDENTIFIED:
        return NOT_IDENTIFIED
    if kind == MappingKind.NOT_A_PERSON:
        return NOT_A_PERSON
    if kind == MappingKind.EXTERNAL:
        return EXTERNAL
    if staff_status == StaffStatus.OFFBOARDED:
        return OFFBOARDED_STAFF
    return EXISTING_STAFF
