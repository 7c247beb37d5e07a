from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from lib.settings_row import SettingsRow


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
    # An incremental check's (lib.checks.Incremental): when it last judged its items, and the
    # basis they were judged on (a different one makes the next evaluation judge them all).
    judged_at = models.DateTimeField(null=True, blank=True)
    basis = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        permissions = [
            ("manage_special_cases", "Can mark and end special cases"),
            ("export_evidence", "Can download evidence exports"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.status}"


class HistoryEvent(models.TextChoices):
    EVALUATED = "evaluated", "Evaluated"
    SPECIAL_CASE_CREATED = "special_case_created", "Special case created"
    SPECIAL_CASE_ENDED = "special_case_ended", "Special case ended"
    SPECIAL_CASE_EXPIRED = "special_case_expired", "Special case expired"


class CheckStatusChange(models.Model):
    """The check's history (PRODUCT 5): a row at its first evaluation, whenever its status or
    its failing count changes, and at every special-case event (who, and the counts after it),
    so the chart and the CSV agree with the check's header at every moment."""

    check_state = models.ForeignKey(CheckState, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=CheckStatus.choices)
    previous_status = models.CharField(max_length=20, choices=CheckStatus.choices, blank=True)
    failing_count = models.PositiveIntegerField()
    checked_count = models.PositiveIntegerField()
    reason = models.CharField(
        max_length=200, blank=True, help_text="What triggered the evaluation."
    )
    event = models.CharField(
        max_length=30, choices=HistoryEvent.choices, default=HistoryEvent.EVALUATED
    )
    excepted_count = models.PositiveIntegerField(default=0)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    special_case = models.ForeignKey(
        "SpecialCase", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["check_state", "-at"], name="checkchange_newest")]

    def __str__(self) -> str:
        return f"{self.check_state.key} became {self.status} at {self.at:%Y-%m-%d %H:%M}"


def item_id_of(item_key: str) -> int | None:
    """The item's own primary key, the number after the colon of its key ("incident:42" → 42),
    or None when that is not a number."""
    _kind, _colon, tail = item_key.partition(":")
    return int(tail) if tail.isascii() and tail.isdigit() and len(tail) < 19 else None


class PendingItem(models.Model):
    """An item written since its topic's incremental checks last judged it: inserted by the app
    that wrote it, in the same transaction; deleted by the evaluation that judged it (exactly
    the rows it read, so one committed meanwhile waits for the next)."""

    topic = models.CharField(max_length=40)
    item_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["topic", "id"], name="pending_item_topic")]

    def __str__(self) -> str:
        return f"{self.topic}:{self.item_id}"


class FailingItem(models.Model):
    """One item a check currently fails on, with the reason. Rewritten only when it changes.

    ``check_key`` and ``item_id`` repeat what ``check_state`` and ``item_key`` say, so that a
    page filters "failing this check" on this table alone and joins it to the item's own table by
    an integer: the database then knows how many items each check has (a join through
    CheckState hid it, and PostgreSQL hashed 180,000 items to list one page, issue 14)."""

    # Its own index stays beside the unique (check_state, item_key) one that leads with it: an
    # evaluation that judged only some items counts all of the check's items from it, an index
    # a fifth the size. The evaluation after 1% of 1,000,000 incidents changed, four runs each
    # interleaved on one machine: 0.69-0.85 s with it, 1.04-1.11 s without.
    check_state = models.ForeignKey(
        CheckState, on_delete=models.CASCADE, related_name="failing_items"
    )
    check_key = models.CharField(max_length=80, default="", editable=False)
    item_key = models.CharField(max_length=120, help_text='e.g. "incident:42"')
    item_id = models.BigIntegerField(null=True, blank=True, editable=False)
    label = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    reason = models.CharField(max_length=500)
    source = models.CharField(max_length=100, blank=True, default="")
    failing_since = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["check_state", "item_key"], name="failing_item_unique")
        ]
        # No index of item_key alone: every read of it names the check too (the unique index).
        indexes = [
            # "Does this incident fail these checks?", from the index alone (a page's probe).
            models.Index(fields=["item_id", "check_key"], name="failing_item_id"),
            # "Which incidents fail this check?", from the index alone.
            models.Index(fields=["check_key", "item_id"], name="failing_item_check"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.reason}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        # The engine's bulk writes set both itself (checks/engine.py).
        self.check_key = self.check_state.key
        self.item_id = item_id_of(self.item_key)
        super().save(*args, **kwargs)


# A special case still open: neither ended nor recorded as expired. The database holds at most
# one per check and item (the constraint below), so a double submit cannot make two.
OPEN = Q(ended_at__isnull=True, expiry_recorded_at__isnull=True)


class SpecialCaseQuerySet(models.QuerySet):
    def active(self, now: datetime) -> SpecialCaseQuerySet:
        """The one definition of a special case in force (PRODUCT 5): not ended and not
        expired at ``now``. The engine, the pages and the evidence all ask this."""
        return self.filter(ended_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )

    def open(self) -> SpecialCaseQuerySet:
        """Not ended, and no evaluation has recorded its expiry yet: the cases the database
        keeps unique per item. Once the expiries due at ``now`` are recorded
        (checks.engine.record_expiries), the open cases are the active ones."""
        return self.filter(OPEN)


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
    end_reason = models.TextField(blank=True)
    # When the check's history recorded its expiry (at the first evaluation after it).
    expiry_recorded_at = models.DateTimeField(null=True, blank=True)

    objects = SpecialCaseQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["check_state", "item_key"], name="special_case_item")]
        constraints = [
            # A time-dependent condition (expires_at > now) cannot be indexed: an expired case
            # leaves the constraint when its expiry is recorded, before a new case is saved.
            models.UniqueConstraint(
                fields=["check_state", "item_key"], condition=OPEN, name="special_case_open_once"
            )
        ]

    def __str__(self) -> str:
        return f"Special case {self.label}"


class SpecialCasePolicy(SettingsRow):
    """How long a special case may last (one row, admin-editable; every change is kept)."""

    max_months = models.PositiveSmallIntegerField(
        "Longest a special case may last (months)",
        default=12,
        help_text="Every special case needs an expiry; it can be at most this far ahead.",
    )
    history = HistoricalRecords()

    def __str__(self) -> str:
        return "Special-case policy"
