from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CheckStatus(models.TextChoices):
    PASSING = "passing", "Passing"
    FAILING = "failing", "Failing"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class CheckState(models.Model):
    """The latest evaluation of one registered check."""

    key = models.CharField(max_length=80, unique=True)
    status = models.CharField(max_length=20, choices=CheckStatus.choices)
    status_since = models.DateTimeField()
    last_evaluated_at = models.DateTimeField()
    checked_count = models.PositiveIntegerField(default=0)
    failing_count = models.PositiveIntegerField(default=0)
    excepted_count = models.PositiveIntegerField(default=0)

    class Meta:
        permissions = [
            ("manage_special_cases", "Can mark and end special cases"),
            ("export_evidence", "Can download evidence exports"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.status}"


class CheckStatusChange(models.Model):
    """Status history: one row each time a check's status changes (and its first evaluation)."""

    check_state = models.ForeignKey(CheckState, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=CheckStatus.choices)
    previous_status = models.CharField(max_length=20, choices=CheckStatus.choices, blank=True)
    failing_count = models.PositiveIntegerField()
    checked_count = models.PositiveIntegerField()
    reason = models.CharField(
        max_length=200, blank=True, help_text="What triggered the evaluation."
    )

    class Meta:
        indexes = [models.Index(fields=["check_state", "-at"], name="checkchange_newest")]

    def __str__(self) -> str:
        return f"{self.check_state.key} became {self.status} at {self.at:%Y-%m-%d %H:%M}"


class FailingItem(models.Model):
    """One item a check currently fails on, with the reason. Rewritten only when it changes."""

    check_state = models.ForeignKey(
        CheckState, on_delete=models.CASCADE, related_name="failing_items"
    )
    item_key = models.CharField(max_length=120, help_text='e.g. "incident:42"')
    label = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    reason = models.CharField(max_length=500)
    source = models.CharField(max_length=100, blank=True, default="")
    failing_since = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["check_state", "item_key"], name="failing_item_unique")
        ]
        indexes = [models.Index(fields=["item_key"], name="failing_item_key")]

    def __str__(self) -> str:
        return f"{self.label}: {self.reason}"


class SpecialCaseQuerySet(models.QuerySet):
    def active(self, now: datetime) -> SpecialCaseQuerySet:
        """The one definition of a special case in force (PRODUCT 5): not ended and not
        expired at ``now``. The engine, the pages and the evidence all ask this."""
        return self.filter(ended_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class SpecialCase(models.Model):
    """A failing item an admin marked out of scope: it counts as passing until it expires or is
    ended. Kept forever as evidence."""

    check_state = models.ForeignKey(
        CheckState, on_delete=models.CASCADE, related_name="special_cases"
    )
    item_key = models.CharField(max_length=120)
    label = models.CharField(max_length=300)
    reason = models.TextField()
    attachment = models.FileField(upload_to="special-cases/%Y/%m/", blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SpecialCaseQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["check_state", "item_key"], name="special_case_item")]

    def __str__(self) -> str:
        return f"Special case {self.label}"
