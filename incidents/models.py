from __future__ import annotations

from django.db import models

from integrations.models import Connection
from integrations.records import IncidentStatus, Priority


class Incident(models.Model):
    """A canonical incident (PRODUCT 3.5), one row per (connection, upstream id).

    Rows are rewritten only when ``content_hash`` (of every synced field) changes, so a sync that
    finds nothing new writes nothing, and ``changed_at`` says when we last saw a real change.
    """

    connection = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="incidents")
    source = models.CharField(max_length=40, help_text="The provider, e.g. opsgenie.")
    upstream_id = models.CharField(max_length=100)
    number = models.CharField(max_length=32, blank=True)
    title = models.TextField()
    description = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=[(s.value, s.value.title()) for s in IncidentStatus]
    )
    raw_status = models.CharField(max_length=40, blank=True)
    priority = models.CharField(
        max_length=10,
        blank=True,
        choices=[(p.value, p.name.title() if p.value else "Unknown") for p in Priority],
    )
    raw_priority = models.CharField(max_length=40, blank=True)
    services = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(help_text="When the incident was created upstream.")
    updated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    impact_start = models.DateTimeField(null=True, blank=True)
    impact_end = models.DateTimeField(null=True, blank=True)
    upstream_url = models.URLField(max_length=500, blank=True)
    deleted_upstream = models.BooleanField(default=False)
    deleted_upstream_at = models.DateTimeField(null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    first_synced_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "upstream_id"], name="incident_unique_per_connection"
            )
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="incident_newest"),
            models.Index(fields=["connection", "status"], name="incident_conn_status"),
            models.Index(fields=["connection", "created_at"], name="incident_conn_created"),
        ]

    def __str__(self) -> str:
        return f"{self.source} #{self.number}: {self.title[:60]}"

    @property
    def source_label(self) -> str:
        from integrations.providers.registry import PROVIDERS

        provider = PROVIDERS.get(self.source)
        return provider.name if provider else self.source
