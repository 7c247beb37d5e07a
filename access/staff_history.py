"""Every kept change of a person (django-simple-history), as the person's page and
staff_history.csv both show it: who, when, and each field's label, before → after. One owner,
so the page and the evidence cannot disagree."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.text import capfirst

from access.models import OrgRole, StaffMember, StaffStatus

# Fields whose changes are shown, in the form's order; derived or bookkeeping fields are not.
TRACKED = (
    "name",
    "email",
    "alias_emails",
    "org_role",
    "status",
    "last_working_day",
    "offboarded_on",
    "manager",
)
CHANGE_TYPES = {"+": "Created", "~": "Changed", "-": "Deleted"}
NOTHING = "—"


def field_label(name: str) -> str:
    return str(capfirst(StaffMember._meta.get_field(name).verbose_name))


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    person_id: int
    email: str  # the person's email as of this record
    history_id: int
    at: datetime
    who: str  # the user's name, or "System" (command line, worker)
    change_type: str
    changes: tuple[FieldChange, ...]


class Names:
    """Org role and manager ids as people read them, including roles since deleted (their last
    known name from the role's own history) and people no longer in the directory."""

    def __init__(self, *, manager_ids: Iterable[int] = ()) -> None:
        self.roles: dict[int, str] = {}
        for pk, name in OrgRole.history.order_by("history_date", "history_id").values_list(
            "id", "name"
        ):
            self.roles[pk] = name
        self.roles.update(OrgRole.objects.values_list("pk", "name"))
        self.people = {
            pk: f"{name} <{email}>"
            for pk, name, email in StaffMember.objects.filter(pk__in=set(manager_ids)).values_list(
                "pk", "name", "email"
            )
        }

    def show(self, name: str, value: Any) -> str:
        if value in (None, "", []):
            return NOTHING
        if name == "org_role":
            return self.roles.get(value, f"deleted org role #{value}")
        if name == "manager":
            return self.people.get(value, f"person #{value}, no longer in the directory")
        if name == "status":
            return StaffStatus(value).label if value in StaffStatus.values else str(value)
        if name == "alias_emails" and isinstance(value, list):
            return ", ".join(str(alias) for alias in value)
        if isinstance(value, date):
            return value.isoformat()
        return str(value)


def _value(record: Any, name: str) -> Any:
    # Foreign keys are compared and shown by id: the related row may be gone.
    return (
        getattr(record, f"{name}_id") if name in ("org_role", "manager") else getattr(record, name)
    )


def entries(records: Iterable[Any], *, names: Names) -> Iterator[HistoryEntry]:
    """``records`` ordered by person, then time: one entry per record, each field that differs
    from the person's previous record (every filled-in field for the first)."""
    previous = None
    for record in records:
        if previous is not None and previous.id != record.id:
            previous = None
        changes = []
        for name in TRACKED:
            after = _value(record, name)
            before = _value(previous, name) if previous is not None else None
            if after == before or (previous is None and after in (None, "", [])):
                continue
            if before in (None, "", []) and after in (None, "", []):
                continue
            changes.append(
                FieldChange(
                    name, field_label(name), names.show(name, before), names.show(name, after)
                )
            )
        user = record.history_user
        yield HistoryEntry(
            person_id=record.id,
            email=record.email,
            history_id=record.history_id,
            at=record.history_date,
            who=user.get_username() if user is not None else "System",
            change_type=CHANGE_TYPES.get(record.history_type, record.history_type),
            changes=tuple(changes),
        )
        previous = record


def _manager_ids(records: list[Any]) -> set[int]:
    return {record.manager_id for record in records if record.manager_id is not None}


def person_history(person: StaffMember) -> list[HistoryEntry]:
    """The person's changes, newest first."""
    records = list(
        person.history.select_related("history_user").order_by("history_date", "history_id")
    )
    names = Names(manager_ids=_manager_ids(records))
    return list(reversed(list(entries(records, names=names))))


def history_between(since: datetime, until: datetime) -> Iterator[HistoryEntry]:
    """Every change made in [since, until), oldest first per person; a change is compared with
    the person's record before it, even when that one is older than ``since``."""
    history = StaffMember.history.model
    changed = history.objects.filter(history_date__gte=since, history_date__lt=until)
    records = list(
        history.objects.filter(id__in=changed.values("id"), history_date__lt=until)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    names = Names(manager_ids=_manager_ids(records))
    for entry in entries(records, names=names):
        if entry.at >= since:
            yield entry
