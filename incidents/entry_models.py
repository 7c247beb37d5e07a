"""What hangs off an incident upstream (its notes, activity log and timeline), as the incident
details stream last read it (integrations/incident_entry_records.py), in fields that are the
same whichever provider it came from."""

from __future__ import annotations

from django.db import models

from integrations.incident_entry_records import MAX_AUTHOR, MAX_KEY, MAX_TYPE, EntryKind


class IncidentEntry(models.Model):
    """One note, log entry or timeline entry of an incident. Never deleted: one a later read no
    longer lists is flagged ``removed_upstream_at`` (kept as evidence)."""

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="entries"
    )
    kind = models.CharField(max_length=10, choices=[(k.value, k.value.title()) for k in EntryKind])
    key = models.CharField(max_length=MAX_KEY, help_text="Upstream's key for the entry.")
    type = models.CharField(max_length=MAX_TYPE, blank=True)
    author = models.CharField(max_length=MAX_AUTHOR, blank=True)
    at = models.DateTimeField(null=True, blank=True)
    text = models.TextField(blank=True)
    # The upstream item as it was last read.
    raw = models.JSONField(default=dict, blank=True)
    first_seen_at = models.DateTimeField()
    removed_upstream_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind", "key"], name="incident_entry_unique_key"
            )
        ]
        indexes = [models.Index(fields=["incident", "-at"], name="incident_entry_newest")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:60]}"
