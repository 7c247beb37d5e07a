"""Reading the audit log: the page's filters and the export's period ask the same query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone

from audit.display import object_type_label
from audit.registration import audited_models

PER_PAGE = 50
SYSTEM = "system"
ACTIONS = {
    "created": LogEntry.Action.CREATE,
    "changed": LogEntry.Action.UPDATE,
    "deleted": LogEntry.Action.DELETE,
}


@dataclass(frozen=True)
class AuditFilters:
    who: str = ""  # a user's id, SYSTEM, or "" for everyone
    object_type: str = ""  # a content type's id, or "" for every kind
    action: str = ""  # a key of ACTIONS, or ""
    start: date | None = None
    end: date | None = None  # included


def audit_entries(filters: AuditFilters | None = None) -> QuerySet[LogEntry]:
    """Newest first (the id breaks ties between entries of the same instant)."""
    filters = filters or AuditFilters()
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-id")
    if filters.who == SYSTEM:
        entries = entries.filter(actor__isnull=True, actor_email__isnull=True)
    elif filters.who:
        entries = entries.filter(actor_id=filters.who)
    if filters.object_type:
        entries = entries.filter(content_type_id=filters.object_type)
    if filters.action in ACTIONS:
        entries = entries.filter(action=ACTIONS[filters.action])
    if filters.start:
        entries = entries.filter(timestamp__gte=_day_start(filters.start))
    if filters.end:
        entries = entries.filter(timestamp__lt=_day_start(filters.end + timedelta(days=1)))
    return entries


def audit_page(*, filters: AuditFilters, page: str | int | None) -> Page:
    return Paginator(audit_entries(filters), PER_PAGE).get_page(page)


def audit_entries_between(*, since: datetime, until: datetime) -> QuerySet[LogEntry]:
    """The entries of [since, until), oldest first, for the evidence export."""
    return (
        LogEntry.objects.select_related("actor", "content_type")
        .filter(timestamp__gte=since, timestamp__lt=until)
        .order_by("timestamp", "id")
    )


def actor_choices() -> list[tuple[str, str]]:
    """Everyone who appears in the log, by name, and System."""
    ids = LogEntry.objects.filter(actor__isnull=False).values("actor_id").distinct()
    users: list[AbstractBaseUser] = list(
        get_user_model().objects.filter(pk__in=ids).order_by("username")
    )
    return [(str(user.pk), user.get_username()) for user in users] + [(SYSTEM, "System")]


def object_type_choices() -> list[tuple[str, str]]:
    types = ContentType.objects.get_for_models(*(a.model for a in audited_models()))
    return sorted(
        ((str(ct.pk), object_type_label(model)) for model, ct in types.items()),
        key=lambda choice: choice[1],
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
