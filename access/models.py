"""Access management (PRODUCT 6): the staff directory, critical systems and their accounts.

Every change that matters is kept: staff and access rules by django-simple-history, mappings
in their own history, and an account gone upstream is kept with the date it was removed (the
evidence that access was revoked)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from integrations.models import Connection
from integrations.providers.registry import provider_name
from lib.concurrency import Versioned
from lib.search import FoldedTextField


class OrgRole(models.Model):
    """A role in the organisation (Engineering, SRE, Support, Finance...): a list the admin
    keeps; valid access types name these."""

    name = models.CharField(max_length=80, unique=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    OFFBOARDED = "offboarded", "Offboarded"


class StaffMember(Versioned):
    name = models.CharField(max_length=200)
    # Stored lower-cased: accounts are matched to people by email, case-insensitively.
    email = models.EmailField(max_length=254, unique=True)
    alias_emails = models.JSONField(
        "Other emails", default=list, blank=True, help_text="Also matched to accounts."
    )
    org_role = models.ForeignKey(
        OrgRole, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    status = models.CharField(max_length=12, choices=StaffStatus.choices, default="active")
    last_working_day = models.DateField(null=True, blank=True)
    # When the directory recorded the offboarding (the last working day may be earlier or later).
    offboarded_on = models.DateField(null=True, blank=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Name and emails folded (no case, no accents) for the staff list's search; derived, so
    # history leaves it out.
    search_text = FoldedTextField(sources=("name", "email", "alias_emails"))
    # The version counts saves (two admins editing at once): bookkeeping, not a change.
    history = HistoricalRecords(excluded_fields=["search_text", "version"])

    class Meta:
        ordering = [Lower("name"), "id"]
        indexes = [
            models.Index(fields=["status"], name="staff_status"),
            # The staff list's order, so a page is read from the index, not sorted.
            models.Index(Lower("name"), models.F("id"), name="staff_name_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    def emails(self) -> list[str]:
        return [self.email.lower(), *(alias.lower() for alias in self.alias_emails)]


class StaffImportUpload(models.Model):
    """A staff CSV between its preview and the admin's confirmation: only ever what an admin
    uploaded (never fetched from a URL), at most STAFF_IMPORT_MAX_BYTES, one pending per admin,
    deleted once confirmed or after a day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    filename = models.CharField(max_length=255, blank=True)
    content = models.TextField()

    def __str__(self) -> str:
        return f"Staff import {self.filename or self.pk}"


class AccessType(models.TextChoices):
    NOT_CONFIGURED = "", "Not configured"
    ALL_STAFF = "all_staff", "All staff"
    ROLE_BASED = "role_based", "Staff role-based"


class CriticalSystem(models.Model):
    """A connected integration whose user accounts are access evidence (PRODUCT 6)."""

    connection = models.OneToOneField(
        Connection, on_delete=models.PROTECT, related_name="critical_system"
    )
    access_type = models.CharField(
        "Valid access type", max_length=12, choices=AccessType.choices, blank=True, default=""
    )
    owner = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Critical system {self.connection}"

    @property
    def name(self) -> str:
        """The system as people name it: its provider's name ("PagerDuty")."""
        return provider_name(self.connection.provider)


class AllowedRole(models.Model):
    """Under a role-based access type: an org role that may have an account, and the upstream
    roles it may hold (empty: any)."""

    system = models.ForeignKey(CriticalSystem, on_delete=models.CASCADE, related_name="allowed")
    org_role = models.ForeignKey(OrgRole, on_delete=models.CASCADE, related_name="+")
    upstream_roles = models.JSONField(default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "org_role"], name="allowed_role_unique")
        ]

    def __str__(self) -> str:
        return f"{self.org_role} on {self.system}"


class Account(models.Model):
    """A user account of a critical system, one row per (connection, upstream id), written by
    the accounts stream (access/store.py) only when it changes."""

    # No index of its own: the unique (connection, upstream_id) one serves every lookup by
    # connection, and each index costs every account a sync writes.
    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="accounts", db_index=False
    )
    upstream_id = models.CharField(max_length=100)
    email = models.CharField(max_length=254, blank=True)
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField("Upstream role", max_length=100, blank=True)
    teams = models.JSONField(default=list, blank=True)
    invitation_pending = models.BooleanField(default=False)
    blocked = models.BooleanField(default=False)
    verified = models.BooleanField(null=True, blank=True)
    created_upstream_at = models.DateTimeField(null=True, blank=True)
    upstream_url = models.URLField(max_length=500, blank=True)
    content_hash = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)
    # Gone from the upstream's listing: kept, with the day we saw it gone.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "upstream_id"], name="account_unique_per_connection"
            )
        ]
        indexes = [
            models.Index(Lower("email"), name="account_email_lower"),
            models.Index(fields=["connection", "removed_at"], name="account_live"),
            # A system's page lists its live accounts by email, 50 at a time: read in this
            # order, a page costs the same at 50 accounts and at 5,000 (no sort of them all).
            models.Index(
                fields=["connection", "email", "id"],
                condition=Q(removed_at__isnull=True),
                name="account_live_by_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email or self.upstream_id} ({self.connection})"


class MappingKind(models.TextChoices):
    STAFF = "staff", "Staff member"
    NOT_A_PERSON = "not_a_person", "Not a person (service or shared account)"
    EXTERNAL = "external", "External (contractor)"
    NOT_IDENTIFIED = "not_identified", "Not identified"


class MappingSource(models.TextChoices):
    EMAIL = "email", "Matched by email"
    MANUAL = "manual", "Set by hand"


class AccountMapping(models.Model):
    """Who an account belongs to. Matched by email unless an admin set it by hand; every change
    is kept (simple-history, written in bulk by the matching too)."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="mapping")
    kind = models.CharField(max_length=16, choices=MappingKind.choices)
    source = models.CharField(max_length=8, choices=MappingSource.choices)
    staff = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    # Not a person: who answers for it. External: until when the access is agreed.
    owner = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_until = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    # A mapping's history is read by its id only (the account's page): the copies of the
    # foreign keys need no index of their own, and a first sync writes 5,000 history rows
    # (make bench, PostgreSQL).
    history = HistoricalRecords(no_db_index=["account", "staff", "owner"])

    class Meta:
        indexes = [models.Index(fields=["kind", "staff"], name="mapping_kind_staff")]

    def __str__(self) -> str:
        return f"{self.account}: {self.get_kind_display()}"


# Access reviews live in their own module (one readable file each); importing them here is how
# Django finds their models.
from access.review_models import AccessReview, ReviewItem, ReviewPolicy  # noqa: E402, F401
