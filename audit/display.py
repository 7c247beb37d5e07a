"""Audit log entries as people read them: who, what happened to which object, and each change
as "label: before → after" with the app's date format and the choices' labels.

django-auditlog stores each value as text (times as naive UTC, foreign keys as the related row's
id, JSON as JSON text); this module turns them back into what the pages show.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.registration import AUDITED, SECRET, Audited
from checks.models import SpecialCase
from integrations.models import Connection
from integrations.providers.registry import providers

EMPTY = "—"
TIME_FORMAT = "j M Y, H:i:s e"
DATE_FORMAT = "j M Y"
SYSTEM = "System"


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    who: str
    action: str
    object_type: str
    object: str
    changes: list[Change]

    @property
    def changes_text(self) -> str:
        return "\n".join(f"{c.label}: {c.before} → {c.after}" for c in self.changes)


def who(entry: LogEntry) -> str:
    if entry.actor_id is None:
        # A deleted user's entries keep the address they had (django-auditlog's actor_email).
        return f"Deleted user ({entry.actor_email})" if entry.actor_email else SYSTEM
    return entry.actor.get_username() if entry.actor else SYSTEM


def describe(entries: Sequence[LogEntry]) -> list[AuditRow]:
    """Rows for ``entries`` (select_related actor and content_type), with the related rows that
    their foreign-key changes name read in one query per model."""
    names = _RelatedNames(entries)
    return [_row(entry, names) for entry in entries]


def describe_iter(entries: Iterable[LogEntry], *, chunk: int = 500) -> Iterable[AuditRow]:
    batch: list[LogEntry] = []
    for entry in entries:
        batch.append(entry)
        if len(batch) == chunk:
            yield from describe(batch)
            batch = []
    yield from describe(batch)


def _row(entry: LogEntry, names: _RelatedNames) -> AuditRow:
    model = entry.content_type.model_class()
    audited = AUDITED.get(model) if model is not None else None
    changes = entry.changes_dict or {}
    rows = [
        change
        for name, values in changes.items()
        for change in _changes(name, values, model, audited, names)
    ]
    return AuditRow(
        id=entry.pk,
        at=entry.timestamp,
        who=who(entry),
        action=_action(entry, changes, model, audited),
        object_type=object_type_label(model) if model is not None else entry.content_type.model,
        object=_object(entry, model),
        changes=rows,
    )


def object_type_label(model: type[models.Model]) -> str:
    if model is Connection:
        return "Integration"
    if model is get_user_model():
        return "User"
    if model is TOTPDevice:
        return "Two-factor authenticator"
    if model is StaticDevice:
        return "Two-factor recovery codes"
    return str(model._meta.verbose_name).capitalize()


def _object(entry: LogEntry, model: type[models.Model] | None) -> str:
    if model is Connection:
        # Stored as "<slug> (Status)": the provider's name reads better and the status is stale.
        slug = entry.object_repr.split(" ", 1)[0]
        provider = providers().get(slug)
        return provider.name if provider else entry.object_repr
    return entry.object_repr


def _action(
    entry: LogEntry,
    changes: dict[str, object],
    model: type[models.Model] | None,
    audited: Audited | None,
) -> str:
    if entry.action == LogEntry.Action.CREATE:
        return audited.created if audited else "Created"
    if entry.action == LogEntry.Action.DELETE:
        return "Deleted"
    if entry.action == LogEntry.Action.ACCESS:
        return "Viewed"
    if model is Connection:
        status = changes.get("status")
        if isinstance(status, list) and len(status) == 2:
            if status[1] == "disconnected":
                return "Disconnected"
            if status[0] == "disconnected":
                return "Reconnected"
        if "auth_method" in changes:
            return "Switched sign-in method"
        if "credentials" in changes:
            return "Key or authorization replaced"
    if model is SpecialCase:
        ended = changes.get("ended_at")
        if isinstance(ended, list) and ended[0] == "None":
            return "Ended"
    if "groups" in changes:
        return "Roles changed"
    if "password" in changes:
        return "Password changed"
    return "Changed"


def _changes(
    name: str,
    values: object,
    model: type[models.Model] | None,
    audited: Audited | None,
    names: _RelatedNames,
) -> list[Change]:
    label = audited.label(name) if audited else name.replace("_", " ").capitalize()
    if isinstance(values, dict) and values.get("type") == "m2m":
        objects = ", ".join(str(o) for o in values.get("objects", [])) or EMPTY
        if values.get("operation") == "add":
            return [Change(label, EMPTY, f"added {objects}")]
        return [Change(label, f"removed {objects}", EMPTY)]
    if not isinstance(values, list | tuple) or len(values) != 2:
        return [Change(label, EMPTY, str(values))]
    before, after = (str(v) if v is not None else "None" for v in values)
    if audited and name in audited.secrets:
        shown_after = _secret(after, replaced=True)
        if before == SECRET and after in ("", "None"):
            shown_after = "erased"  # a disconnect erases the credentials
        return [Change(label, _secret(before, replaced=False), shown_after)]
    if audited and name in audited.values:
        shown = audited.values[name]
        return [Change(label, shown.get(before, before), shown.get(after, after))]
    field = _field(model, name)
    change = Change(label, _value(before, field, names), _value(after, field, names))
    # "[]" → "[]" stored as "None" → "[]" on creation: nothing a reader would call a change.
    return [] if change.before == change.after else [change]


def _secret(value: str, *, replaced: bool) -> str:
    if value != SECRET:
        return EMPTY
    return "replaced (not recorded)" if replaced else "hidden"


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def _value(value: str, field: models.Field | None, names: _RelatedNames) -> str:
    if value in ("", "None"):
        return EMPTY
    if field is None:
        return value
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        return names.name(field.related_model, value)
    if isinstance(field, models.BooleanField):
        return {"True": "Yes", "False": "No"}.get(value, value)
    if isinstance(field, models.DateTimeField):
        return _time(value)
    if isinstance(field, models.DateField):
        try:
            return date_format(date.fromisoformat(value), DATE_FORMAT)
        except ValueError:
            return value
    if isinstance(field, models.JSONField):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        if isinstance(parsed, list):
            return ", ".join(str(item) for item in parsed) or EMPTY
    return value


def _time(value: str) -> str:
    """django-auditlog keeps times as naive UTC text."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return date_format(timezone.localtime(moment), TIME_FORMAT)


class _RelatedNames:
    """The names of the rows that foreign-key changes point at, read once per model."""

    def __init__(self, entries: Sequence[LogEntry]) -> None:
        wanted: dict[type[models.Model], set[str]] = {}
        for entry in entries:
            model = entry.content_type.model_class()
            for name, values in (entry.changes_dict or {}).items():
                field = _field(model, name)
                if isinstance(field, models.ForeignKey) and isinstance(values, list | tuple):
                    wanted.setdefault(field.related_model, set()).update(
                        str(v) for v in values if v not in (None, "", "None")
                    )
        self._names: dict[tuple[type[models.Model], str], str] = {}
        for related, pks in wanted.items():
            valid = [pk for pk in pks if pk.isdigit()]
            for row in related._default_manager.filter(pk__in=valid):
                self._names[(related, str(row.pk))] = _name_of(row)

    def name(self, model: type[models.Model], pk: str) -> str:
        return self._names.get((model, pk)) or f"deleted {model._meta.verbose_name} #{pk}"


def _name_of(row: models.Model) -> str:
    get_username = getattr(row, "get_username", None)
    return str(get_username()) if callable(get_username) else str(row)
