"""Alerts as the upstream holds them (an incident-management provider's alerts), one row per
(connection, upstream id): the fields the Data library lists and filters on, and the upstream
item itself."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from integrations.models import Connection
from integrations.records import AlertStatus
from lib.search import FoldedTextField


class Alert(models.Model):
    """Rewritten only when ``content_hash`` (of the upstream item) changes, so a sync that finds
    nothing new writes nothing; never deleted: an alert a full sync no longer finds upstream is
    flagged ``deleted_upstream`` with the time."""

    connection = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="alerts")
    provider = models.CharField(
        max_length=40, help_text="The slug of the registered provider it came from."
    )
    upstream_id = models.CharField(max_length=200)
    tiny_id = models.CharField(max_length=50, blank=True)
    alias = models.TextField(blank=True)
    message = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=[(s.value, s.value.capitalize()) for s in AlertStatus]
    )
    acknowledged = models.BooleanField(default=False)
    is_seen = models.BooleanField(default=False)
    snoozed = models.BooleanField(default=False)
    count = models.PositiveIntegerField(default=0)
    priority = models.CharField(max_length=10, blank=True)
    # Upstream's own "source" field: the monitor or integration that raised the alert.
    upstream_source = models.CharField(max_length=255, blank=True)
    owner = models.CharField(max_length=255, blank=True)
    tags = models.JSONField(default=list, blank=True)
    integration_name = models.CharField(max_length=255, blank=True)
    integration_type = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(null=True, blank=True)
    last_occurred_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.CharField(max_length=255, blank=True)
    closed_by = models.CharField(max_length=255, blank=True)
    ack_time_ms = models.BigIntegerField(null=True, blank=True)
    close_time_ms = models.BigIntegerField(null=True, blank=True)
    # When it closed upstream: its creation plus report.closeTime (None while open or unknown).
    closed_at = models.DateTimeField(null=True, blank=True)
    # The upstream item as it was last read, shown as given on the detail page.
    raw = models.JSONField(default=dict)
    deleted_upstream = models.BooleanField(default=False)
    deleted_upstream_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField()
    changed_at = models.DateTimeField()
    search_text = FoldedTextField(sources=("message", "alias", "tiny_id"))
    # Its logs, notes and recipients: set when a sync creates or changes the alert (it waits for
    # them to be read, oldest first, a bounded number a run), cleared once they are read.
    details_wanted_at = models.DateTimeField(null=True, blank=True)
    details_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "upstream_id"], name="alert_unique_per_connection"
            )
        ]
        indexes = [
            # The list, newest first, and its keyset pages.
            models.Index(fields=["-created_at", "-id"], name="alert_newest"),
            # The store's watermark and a full sync's time spans.
            models.Index(fields=["connection", "created_at"], name="alert_conn_created"),
            # What a scheduled sync reads again: the alerts still open.
            models.Index(
                fields=["connection"],
                condition=Q(status=AlertStatus.OPEN.value, deleted_upstream=False),
                name="alert_conn_open",
            ),
            models.Index(fields=["status", "created_at", "id"], name="alert_status_created"),
            models.Index(fields=["priority", "created_at", "id"], name="alert_priority_created"),
            models.Index(fields=["tiny_id"], name="alert_tiny_id"),
            # The few flagged deleted upstream, counted apart for the Data library's overview
            # (alerts/overview.py): the rest is counted from alert_conn_created alone.
            models.Index(
                fields=["connection"],
                condition=Q(deleted_upstream=True),
                name="alert_conn_deleted",
            ),
            # The alerts whose details wait to be read, oldest waiting first.
            models.Index(
                fields=["connection", "details_wanted_at", "id"],
                condition=Q(details_wanted_at__isnull=False),
                name="alert_details_wanted",
            ),
        ]

    def __str__(self) -> str:
        return f"Alert {self.tiny_id or self.upstream_id}: {self.message[:60]}"


class AlertDetail(models.Model):
    """One item hanging off an alert, as upstream last listed it. Never deleted: an item a later
    read no longer lists is flagged ``removed_upstream_at``."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField()
    removed_upstream_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class AlertLog(AlertDetail):
    """An entry of the alert's activity log (``GET /v2/alerts/{id}/logs``)."""

    offset = models.CharField(max_length=100, help_text="Upstream's key for the entry.")
    log = models.TextField(blank=True)
    type = models.CharField(max_length=50, blank=True)
    owner = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "offset"], name="alert_log_unique_offset")
        ]

    def __str__(self) -> str:
        return self.log[:60]


class AlertNote(AlertDetail):
    offset = models.CharField(max_length=100, help_text="Upstream's key for the note.")
    note = models.TextField(blank=True)
    owner = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "offset"], name="alert_note_unique_offset")
        ]

    def __str__(self) -> str:
        return self.note[:60]


class AlertRecipient(AlertDetail):
    """A person the alert was sent to, and where they are with it."""

    user_id = models.CharField(max_length=255)
    username = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=50, blank=True)
    method = models.CharField(max_length=50, blank=True)
    aware = models.BooleanField(default=False)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "user_id"], name="alert_recipient_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.username or self.user_id}: {self.state}"
