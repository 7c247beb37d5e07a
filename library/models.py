"""The Data library's configuration objects: one generic row per upstream object (a team, an
escalation, a schedule, a heartbeat...), whatever its kind. Each kind is a few dozen rows at
most, so one table serves them all. Each row holds the canonical fields its provider read from
the item (``integrations.config_records.ConfigRecord``): its columns, relations and the facts the
readiness checks judge; ``raw`` is the item as upstream sent it, for display only.

Rows are snapshot-synced: rewritten only when the item's ``content_hash`` changes, and never
deleted; an object a complete listing no longer names is flagged ``removed_upstream`` (with
the time) and cleared again if it comes back.
"""

from __future__ import annotations

from django.db import models

from integrations.models import Connection


class LibraryObject(models.Model):
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="library_objects"
    )
    provider = models.CharField(max_length=32)  # the connection's provider slug
    kind = models.CharField(max_length=40)  # the stream's name: "teams", "heartbeats"...
    upstream_id = models.CharField(max_length=255)
    name = models.CharField(max_length=512)
    # The owning team's upstream id and name ("" when it has none): a column and a filter.
    team_upstream_id = models.CharField(max_length=255, blank=True, default="")
    team = models.CharField(max_length=255, blank=True, default="")
    # A short state the kind defines ("enabled", "disabled", "expired"...), "" when none.
    state = models.CharField(max_length=40, blank=True, default="")
    search_text = models.CharField(max_length=512, blank=True, default="")  # lib.search.fold(name)
    # What the readiness checks judge, as the provider read it: {"escalation": ...},
    # {"timeline": ...} or {"heartbeat": ...} (integrations.config_records), {} for the others.
    facts = models.JSONField(default=dict)
    raw = models.JSONField(default=dict)
    content_hash = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField()
    changed_at = models.DateTimeField()
    removed_upstream = models.BooleanField(default=False)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "kind", "upstream_id"], name="library_object_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "name", "id"], name="library_kind_name")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}"


class LibraryRelation(models.Model):
    """One object naming another (a team's member, an escalation's team...), as read from the
    source object's item; rewritten with it. The target is found by its kind and upstream id on
    the same connection (it may not be synced: a user, say)."""

    source = models.ForeignKey(LibraryObject, on_delete=models.CASCADE, related_name="relations")
    relation = models.CharField(max_length=40)  # "member", "team", "schedule", "recipient"...
    target_kind = models.CharField(max_length=40)
    target_upstream_id = models.CharField(max_length=255)
    target_name = models.CharField(max_length=512, blank=True, default="")
    detail = models.CharField(max_length=255, blank=True, default="")  # e.g. a member's role

    class Meta:
        indexes = [
            models.Index(fields=["target_kind", "target_upstream_id"], name="library_rel_target")
        ]

    def __str__(self) -> str:
        return f"{self.relation} → {self.target_kind}:{self.target_upstream_id}"
