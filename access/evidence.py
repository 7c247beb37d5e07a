"""The access files in the evidence export (found by evidence/registry.py): the staff directory
(access/staff_evidence.py), the access reviews (access/review_evidence.py), and every account of
a critical system that existed during the period, who it belongs to and when it was removed."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q

from access.mapping import category
from access.models import Account
from access.review_evidence import REVIEW_FILES
from access.staff_evidence import STAFF_FILES
from integrations.providers.registry import provider_name
from lib.evidence_files import EvidenceFile, Export, Row

ACCOUNTS_HEADER = (
    "account_id",
    "system",
    "upstream_id",
    "email",
    "name",
    "upstream_role",
    "teams",
    "state",
    "category",
    "mapped",
    "staff_name",
    "staff_email",
    "owner_email",
    "external_until",
    "mapping_reason",
    "first_synced_at",
    "removed_on",
)


def _state(account: Account) -> str:
    if account.removed_at:
        return "Removed upstream"
    if account.blocked:
        return "Blocked"
    if account.invitation_pending:
        return "Invitation pending"
    return "Active"


def account_rows(export: Export) -> Iterator[Row]:
    """Accounts that existed at some moment of the period: first synced before it ends, and not
    removed before it starts. Of any connection that was ever a critical system."""
    period = export.period
    accounts = (
        Account.objects.filter(first_seen_at__lt=period.until)
        .filter(Q(removed_at__isnull=True) | Q(removed_at__gte=period.since))
        .select_related("connection", "mapping__staff", "mapping__owner")
        .order_by("connection_id", "email", "id")
    )
    for account in accounts.iterator(chunk_size=2000):
        mapping = getattr(account, "mapping", None)
        yield (
            account.pk,
            provider_name(account.connection.provider),
            account.upstream_id,
            account.email,
            account.name,
            account.role,
            "; ".join(account.teams),
            _state(account),
            category(mapping),
            mapping.get_source_display() if mapping else "",
            mapping.staff.name if mapping and mapping.staff else "",
            mapping.staff.email if mapping and mapping.staff else "",
            mapping.owner.email if mapping and mapping.owner else "",
            mapping.external_until if mapping else None,
            mapping.reason if mapping else "",
            account.first_seen_at,
            account.removed_at,
        )


FILES = [
    *STAFF_FILES,
    EvidenceFile(
        name="accounts.csv",
        description="Every account of a critical system during the period: upstream role, who "
        "it belongs to (category and how it was mapped) and the day it was removed upstream.",
        header=ACCOUNTS_HEADER,
        rows=account_rows,
        order=145,
    ),
    *REVIEW_FILES,
]
