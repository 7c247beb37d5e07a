"""Notification channels and what they sent (PRODUCT 7).

A ``Channel`` is one OpsGenie (or JSM) API integration, or one PagerDuty Events v2 routing key,
with the events it wants. Every event a channel wants becomes a ``Delivery`` row, written inside
the transaction that caused the event, before anything is sent; each try to send it is an
``Attempt``. Deliveries are never deleted with their outcome: the log is the evidence that the
on-call team was told.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from integrations.models import ErasableEncryptedTextField
from lib.concurrency import Versioned
from notifications.retry import Step


class ChannelKind(models.TextChoices):
    OPSGENIE = "opsgenie", "OpsGenie"
    PAGERDUTY = "pagerduty", "PagerDuty Events API v2"


class Endpoint(models.TextChoices):
    US = "us", "US (api.opsgenie.com)"
    EU = "eu", "EU (api.eu.opsgenie.com)"
    JSM = "jsm", "Jira Service Management (api.atlassian.com/jsm/ops/integration)"


class Channel(Versioned):
    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=ChannelKind.choices)
    # OpsGenie: us, eu or jsm; PagerDuty: us or eu (events.pagerduty.com / events.eu...).
    endpoint = models.CharField(max_length=10, choices=Endpoint.choices, default=Endpoint.US)
    # The OpsGenie API-integration key, or the PagerDuty routing key: encrypted, never shown.
    secret = ErasableEncryptedTextField(blank=True)
    secret_hint = models.CharField(max_length=4, blank=True, help_text="Its last 4 characters.")
    # lib.events.EventType values this channel sends.
    event_types = models.JSONField(default=list, blank=True)
    # Check keys whose failing/recovering is sent; empty means every check.
    check_keys = models.JSONField(default=list, blank=True)
    # The lowest incident priority sent as "new incident" (integrations.records.Priority).
    min_incident_priority = models.CharField(max_length=10, default="high")
    # EventType value → "P1"…"P5", where the admin changed the default.
    priority_overrides = models.JSONField(default=dict, blank=True)

    enabled = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    disabled_automatically = models.BooleanField(default=False)
    disabled_reason = models.CharField(max_length=500, blank=True)

    # The last refusal that retrying cannot cure (400, 401, 403, 422), with what to do.
    last_error = models.CharField(max_length=1000, blank=True)
    last_error_action = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # Deliveries created before this (the last re-enable) no longer count toward disabling the
    # channel again: an admin who re-enables it gives it a fresh start.
    health_since = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [("manage_channel", "Can add, change, test and delete notification channels")]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    RETRYING = "retrying", "Retrying"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed after every retry"
    STOPPED = "stopped", "Refused (not retried)"
    CANCELLED = "cancelled", "Not sent: channel disabled"


OPEN_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


class Delivery(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=40)
    action = models.CharField(max_length=10, default="open")  # lib.events.Action
    alias = models.CharField(max_length=512)
    message = models.CharField(max_length=300)
    is_test = models.BooleanField(default=False)
    # The request body exactly as sent (never a secret: keys travel in headers only).
    payload = models.JSONField(default=dict)

    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    created_at = models.DateTimeField(db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    attempt_count = models.PositiveIntegerField(default=0)
    # Where in the retry cycles the next attempt is (notifications.retry.Step): cycle 0 is the
    # first send, cycles 1-3 Wallarm's retry cycles; the step is 0-based within its cycle.
    cycle = models.PositiveSmallIntegerField(default=0)
    step = models.PositiveSmallIntegerField(default=0)
    # A worker's claim while it sends (notifications.delivery): nobody else sends the delivery
    # until it expires, and one that died mid-send leaves a claim that does expire.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    # Until when a send task is already queued for it: the dispatcher does not queue another.
    queued_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # When the delivery counted as failed for the channel's 12-hour failure ratio.
    failed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_answer = models.CharField(max_length=1000, blank=True)
    # OpsGenie's requestId (then its processed status), PagerDuty's dedup_key.
    request_id = models.CharField(max_length=100, blank=True)
    upstream_status = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["channel", "created_at"], name="delivery_channel_created"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} · {self.message}"


class Attempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField()
    # Which attempt this was in the retry cycles (as Delivery.cycle and step).
    cycle = models.PositiveSmallIntegerField(default=0)
    step = models.PositiveSmallIntegerField(default=0)
    # None when no answer came (timeout, connection refused).
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # The upstream's answer or the network error, secrets removed, cut to 1,000 characters.
    answer = models.CharField(max_length=1000, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    ok = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.at:%Y-%m-%d %H:%M:%S}: {self.status_code}"

    @property
    def step_label(self) -> str:
        """Which attempt it was, as the product names them: "first send", "cycle 1, retry 2
        (after 3 s)" (cycle 0 is the first send, not a retry cycle)."""
        return Step(self.cycle, self.step).label()
