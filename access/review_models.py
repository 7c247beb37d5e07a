"""Access reviews (issue 11 item 6): a campaign over some critical systems, a frozen snapshot of
their accounts, one reviewer decision per account, and a sign-off.

The snapshot is the evidence: the live accounts keep changing with every sync, a review's items
never do (``ReviewItem.save`` refuses to rewrite them, and ``AccessReview.snapshot_sha256``
seals them). Decisions are kept with their whole history (simple-history).

Imported at the end of access/models.py so that Django finds these models; they name the
models there by string, so neither module imports the other back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from lib.settings_row import SettingsRow


class ReviewerMode(models.TextChoices):
    OWNER = "owner", "The system's owner"
    MANAGER = "manager", "Each account's manager (staff directory)"


class AccessReview(models.Model):
    name = models.CharField(max_length=200)
    systems = models.ManyToManyField("access.CriticalSystem", related_name="reviews")
    due_on = models.DateField("Due date")
    reviewer_mode = models.CharField(
        "Reviewers", max_length=8, choices=ReviewerMode.choices, default=ReviewerMode.OWNER
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    # SHA-256 over the canonical serialization of the items' snapshot (review_snapshot.py).
    snapshot_sha256 = models.CharField(max_length=64, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def signed_off(self) -> bool:
        return self.signed_off_at is not None


class Decision(models.TextChoices):
    PENDING = "", "Pending"
    KEEP = "keep", "Keep"
    REVOKE = "revoke", "Revoke"
    CHANGE_ROLE = "change_role", "Change role"


# Decisions that ask for something to happen upstream, which a later sync must show done.
ACTION_DECISIONS = (Decision.REVOKE, Decision.CHANGE_ROLE)


class Outcome(models.TextChoices):
    NONE = "", "—"
    PENDING = "pending", "Not done yet"
    DONE = "done", "Done"


# The account as it was when the review started: never rewritten (see ReviewItem.save).
SNAPSHOT_FIELDS = (
    "system_name",
    "upstream_id",
    "email",
    "name",
    "role",
    "category",
    "staff_name",
    "staff_email",
)


class ReviewItem(models.Model):
    review = models.ForeignKey(AccessReview, on_delete=models.CASCADE, related_name="items")
    system = models.ForeignKey(
        "access.CriticalSystem", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The live account; None once its row is gone (then a revocation counts as done).
    account = models.ForeignKey(
        "access.Account",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_items",
    )
    system_name = models.CharField(max_length=100)
    upstream_id = models.CharField(max_length=100)
    email = models.CharField(max_length=254, blank=True)
    name = models.CharField(max_length=200, blank=True)
    role = models.CharField("Upstream role", max_length=100, blank=True)
    category = models.CharField(max_length=40)
    staff_name = models.CharField(max_length=200, blank=True)
    staff_email = models.CharField(max_length=254, blank=True)
    # Who decides; when the person the review mode names has no app user, the review's creator,
    # and reviewer_note says why.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_items",
    )
    reviewer_note = models.CharField(max_length=300, blank=True)
    decision = models.CharField(max_length=12, choices=Decision.choices, blank=True, default="")
    note = models.TextField(blank=True)
    self_review_reason = models.TextField(blank=True)
    bulk = models.BooleanField("Decided in bulk", default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True, default="")
    done_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["system_name", "email", "upstream_id", "id"]
        indexes = [
            models.Index(fields=["reviewer", "decision"], name="review_item_reviewer"),
            models.Index(fields=["decision", "outcome"], name="review_item_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.email or self.upstream_id} on {self.system_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The snapshot is evidence: once stored, only the decision fields may be written.
        update_fields = kwargs.get("update_fields")
        if self.pk is not None and (
            update_fields is None or set(update_fields) & set(SNAPSHOT_FIELDS)
        ):
            raise ValueError("A review item's snapshot cannot change; save its decision fields.")
        super().save(*args, **kwargs)

    @property
    def self_review(self) -> bool:
        return bool(self.self_review_reason)

    @property
    def took(self) -> timedelta | None:
        """From the decision to the sync that showed it done."""
        if self.done_at is None or self.decided_at is None:
            return None
        return self.done_at - self.decided_at


class ReviewPolicy(SettingsRow):
    """How long a revocation decided in a signed-off review may take (one row, admin-edited)."""

    removal_days = models.PositiveSmallIntegerField(
        "Days to remove access revoked in a review", default=7
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return "Access review policy"
