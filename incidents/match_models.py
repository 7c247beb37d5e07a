"""An admin's match of an incident moved between sources (incidents/moves.py): kept as a row of
its own so that the audit log records each one, with who made it and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IncidentMatch(models.Model):
    """The predecessor's ``moved`` record is the same incident as the successor's
    ``successor`` record, as an admin said (the sync matches by the refs the successor keeps;
    this is for those it could not match)."""

    moved = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="+", verbose_name="Moved"
    )
    successor = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="+", verbose_name="Same as"
    )
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_at = models.DateTimeField()

    class Meta:
        ordering = ["-matched_at", "-id"]

    def __str__(self) -> str:
        return f"incident {self.moved_id} is incident {self.successor_id}"
