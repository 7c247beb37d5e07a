"""Importing the staff directory from CSV, for the web page and `manage.py import_staff` alike.

``plan_import`` reads the file and the directory and says what would happen (created, changed
with each field before → after, offboarded, new org roles) without writing anything; a bad row
is an error naming its line and field, and any error means nothing is saved. ``apply_import``
plans again inside one transaction and writes it all, or nothing.

Columns: ``name,email,org_role,status,last_working_day,manager_email``, a header row first.
``name`` and ``email`` are required; a column left out leaves that field as it is. The email
says who a row is; in a column that is there, an empty cell means "none" (status: active). People
not in the file are left as they are: an import never offboards anyone by omission.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from access.models import OrgRole, StaffMember, StaffStatus
from access.staff_history import field_label
from access.staff_rules import last_working_day_problem, manager_cycle, offboarded_on_after
from access.staff_selectors import emails_in_use
from access.staff_signals import staff_changed

COLUMNS = ("name", "email", "org_role", "status", "last_working_day", "manager_email")
REQUIRED_COLUMNS = ("name", "email")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
# The preview and the command list at most this many errors; the count says how many more.
MAX_ERRORS_SHOWN = 200
NOTHING = "—"
# What a row may change on a person already in the directory (the email is who they are).
CHANGEABLE = ("name", "org_role", "status", "last_working_day", "offboarded_on", "manager")


class ImportRefused(Exception):
    """The file as a whole cannot be read (too large, not UTF-8, not CSV)."""


@dataclass(frozen=True)
class RowError:
    line: int | None  # None: the file as a whole
    field: str  # a column name, or "" for the whole line
    message: str

    def __str__(self) -> str:
        where = [f"Line {self.line}" if self.line else "File"]
        if self.field:
            where.append(self.field)
        return f"{', '.join(where)}: {self.message}"


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.label}: {self.before} → {self.after}"


@dataclass
class Target:
    """What a row says a person should be. Org role by name, manager by main email."""

    line: int
    name: str
    email: str
    org_role: str | None
    status: str
    last_working_day: date | None
    offboarded_on: date | None
    manager: str | None
    person_id: int | None = None  # set when the person is already in the directory
    changes: list[Change] = field(default_factory=list)

    @property
    def offboarding(self) -> bool:
        return any(c.field == "status" for c in self.changes) and (
            self.status == StaffStatus.OFFBOARDED
        )

    def digest_part(self) -> list[Any]:
        return [
            self.email,
            self.name,
            self.org_role,
            self.status,
            str(self.last_working_day or ""),
            str(self.offboarded_on or ""),
            self.manager,
            [str(change) for change in self.changes],
        ]


@dataclass
class ImportPlan:
    rows: int = 0
    columns: tuple[str, ...] = ()
    errors: list[RowError] = field(default_factory=list)
    created: list[Target] = field(default_factory=list)
    changed: list[Target] = field(default_factory=list)
    unchanged: int = 0
    new_org_roles: list[str] = field(default_factory=list)
    # People in the directory and not in the file: left as they are.
    left_alone: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def offboarded(self) -> list[Target]:
        return [target for target in self.changed if target.offboarding]

    @property
    def changed_only(self) -> list[Target]:
        return [target for target in self.changed if not target.offboarding]

    @property
    def has_changes(self) -> bool:
        return bool(self.created or self.changed or self.new_org_roles)

    @property
    def digest(self) -> str:
        """What the preview showed, as a hash: the confirmation saves only that."""
        body = {
            "created": [target.digest_part() for target in self.created],
            "changed": [target.digest_part() for target in self.changed],
            "roles": self.new_org_roles,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()

    def summary(self) -> list[str]:
        def people(n: int) -> str:
            return f"{n} {'person' if n == 1 else 'people'}"

        lines = [
            f"Created: {people(len(self.created))}",
            f"Changed: {people(len(self.changed_only))}",
            f"Offboarded: {people(len(self.offboarded))}",
            f"Unchanged: {people(self.unchanged)}",
        ]
        if self.new_org_roles:
            lines.append("New org roles, created: " + ", ".join(self.new_org_roles))
        lines.append(f"Not in the file, left as they are: {people(self.left_alone)}")
        return lines

    def errors_shown(self) -> list[RowError]:
        return self.errors[:MAX_ERRORS_SHOWN]

    @property
    def more_errors(self) -> int:
        return max(0, len(self.errors) - MAX_ERRORS_SHOWN)


def refuse_if_too_large(size: int) -> None:
    if size > MAX_BYTES:
        raise ImportRefused(
            f"The file is {size / 1_048_576:.1f} MB; at most "
            f"{MAX_BYTES // 1_048_576} MB can be imported at once. Split it into parts."
        )


def decode(data: bytes) -> str:
    """The upload as text: UTF-8, with or without a byte-order mark."""
    refuse_if_too_large(len(data))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRefused(
            f"Line {line} is not UTF-8 text. Save the file as “CSV UTF-8” and upload it again."
        ) from error


# --- Reading the file ------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    values: dict[str, str]


def _read(text: str, plan: ImportPlan) -> list[_Row]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[_Row] = []
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _header(cells, line, plan)
                if header is None:
                    return []
                continue
            extra = cells[len(header) :]
            if any(cell.strip() for cell in extra):
                plan.errors.append(
                    RowError(
                        line,
                        "",
                        f"{len(cells)} cells, but the header has {len(header)} columns "
                        "(a comma inside a value needs the value in double quotes).",
                    )
                )
                continue
            if len(rows) >= MAX_ROWS:
                plan.errors.append(
                    RowError(line, "", f"More than {MAX_ROWS:,} people: split the file.")
                )
                return rows
            values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
            rows.append(_Row(line, {name: " ".join(v.split()) for name, v in values.items()}))
    except csv.Error as error:
        plan.errors.append(RowError(reader.line_num or None, "", f"Not readable as CSV: {error}."))
        return []
    if header is None:
        plan.errors.append(
            RowError(
                None,
                "",
                "The file is empty: its first line must be the header " + ",".join(COLUMNS) + ".",
            )
        )
    plan.rows = len(rows)
    return rows


def _header(cells: list[str], line: int, plan: ImportPlan) -> list[str] | None:
    names = [cell.strip().lstrip("\ufeff").lower() for cell in cells]
    # Trailing empty header cells (a spreadsheet's extra commas) are not columns.
    while names and not names[-1]:
        names.pop()
    known = ", ".join(COLUMNS)
    for name in names:
        if name not in COLUMNS:
            shown = name or "(empty)"
            plan.errors.append(
                RowError(line, shown, f"Unknown column “{shown}”; the columns are {known}.")
            )
    for name in {n for n in names if names.count(n) > 1 and n}:
        plan.errors.append(RowError(line, name, f"The column “{name}” appears twice."))
    for name in REQUIRED_COLUMNS:
        if name not in names:
            plan.errors.append(
                RowError(
                    line,
                    name,
                    f"The header has no “{name}” column (it is required; "
                    f"the first line must be the header: {known}).",
                )
            )
    if plan.errors:
        return None
    plan.columns = tuple(names)
    return names


# --- Checking each row -----------------------------------------------------------------------


def _email(value: str, line: int, column: str, plan: ImportPlan) -> str | None:
    email = value.lower()
    try:
        if len(email) > 254:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        plan.errors.append(RowError(line, column, f"“{value}” is not an email address."))
        return None
    return email


def _date(value: str, line: int, plan: ImportPlan, *, today: date) -> date | None:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        plan.errors.append(
            RowError(line, "last_working_day", f"“{value}” is not a date as YYYY-MM-DD.")
        )
        return None
    problem = last_working_day_problem(day, today=today)
    if problem:
        plan.errors.append(RowError(line, "last_working_day", f"“{value}”: {problem}"))
        return None
    return day


@dataclass
class _Checked:
    line: int
    name: str
    email: str
    org_role: str | None
    status: str | None
    last_working_day: date | None
    manager_email: str | None


def _check_row(row: _Row, plan: ImportPlan, *, today: date) -> _Checked | None:
    values, line, before = row.values, row.line, len(plan.errors)
    name = values["name"]
    if not name:
        plan.errors.append(RowError(line, "name", "The name is empty."))
    elif len(name) > 200:
        plan.errors.append(RowError(line, "name", "The name is longer than 200 characters."))
    email = None
    if not values["email"]:
        plan.errors.append(RowError(line, "email", "The email is empty."))
    else:
        email = _email(values["email"], line, "email", plan)
    org_role = values.get("org_role")
    if org_role and len(org_role) > 80:
        plan.errors.append(RowError(line, "org_role", "Longer than 80 characters."))
    status = values.get("status")
    if status is not None:
        status = status.lower() or StaffStatus.ACTIVE
        if status not in StaffStatus.values:
            plan.errors.append(
                RowError(
                    line,
                    "status",
                    f"“{values['status']}” is not a status: use active or offboarded "
                    "(empty means active).",
                )
            )
    last_day = values.get("last_working_day")
    last_working_day = _date(last_day, line, plan, today=today) if last_day else None
    manager_email = values.get("manager_email")
    if manager_email:
        manager_email = _email(manager_email, line, "manager_email", plan)
        if manager_email is not None and manager_email == email:
            plan.errors.append(
                RowError(line, "manager_email", "A person cannot be their own manager.")
            )
    if len(plan.errors) > before or email is None:
        return None
    return _Checked(
        line=line,
        name=name,
        email=email,
        org_role=org_role,
        status=status,
        last_working_day=last_working_day,
        manager_email=manager_email,
    )


# --- Comparing with the directory -------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    pk: int
    name: str
    email: str
    org_role: str | None
    status: str
    last_working_day: date | None
    offboarded_on: date | None
    manager: str | None  # main email


def _directory() -> dict[str, _Person]:
    rows = StaffMember.objects.values_list(
        "pk",
        "name",
        "email",
        "org_role__name",
        "status",
        "last_working_day",
        "offboarded_on",
        "manager__email",
    )
    return {row[2]: _Person(*row) for row in rows.iterator(chunk_size=2000)}


def _show(name: str, value: object) -> str:
    if value in (None, ""):
        return NOTHING
    if name == "status":
        return StaffStatus(value).label
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def plan_import(text: str, *, today: date | None = None) -> ImportPlan:
    """What importing ``text`` would do, reading the directory and writing nothing."""
    today = today or timezone.localdate()
    plan = ImportPlan()
    rows = _read(text, plan)
    if plan.errors:
        return plan
    checked = [c for c in (_check_row(row, plan, today=today) for row in rows) if c is not None]

    first_line: dict[str, int] = {}
    for row in checked:
        if row.email in first_line:
            plan.errors.append(
                RowError(
                    row.line,
                    "email",
                    f"{row.email} is also on line {first_line[row.email]}; "
                    "each person may appear only once.",
                )
            )
        else:
            first_line[row.email] = row.line

    directory = _directory()
    owners = emails_in_use()
    roles = {name.lower(): name for name in OrgRole.objects.values_list("name", flat=True)}
    new_roles: dict[str, str] = {}
    targets: list[Target] = []
    columns = set(plan.columns)
    for row in checked:
        owner = owners.get(row.email)
        if owner is not None and owner.is_alias:
            plan.errors.append(
                RowError(
                    row.line,
                    "email",
                    f"{row.email} is an other email of {owner.name} <{owner.email}>: use "
                    "their main email, or remove it from their other emails first.",
                )
            )
            continue
        existing = directory.get(row.email)
        manager = existing.manager if existing else None
        if "manager_email" in columns:
            manager = None
            if row.manager_email:
                if row.manager_email in first_line:
                    manager = row.manager_email
                elif (found := owners.get(row.manager_email)) is not None:
                    manager = found.email
                    if manager == row.email:
                        plan.errors.append(
                            RowError(
                                row.line,
                                "manager_email",
                                f"{row.manager_email} is this person's other email: a person "
                                "cannot be their own manager.",
                            )
                        )
                        continue
                else:
                    plan.errors.append(
                        RowError(
                            row.line,
                            "manager_email",
                            f"No one with the email {row.manager_email} in this file or in the "
                            "staff directory.",
                        )
                    )
                    continue
        org_role = existing.org_role if existing else None
        if "org_role" in columns:
            org_role = None
            if row.org_role:
                key = row.org_role.lower()
                org_role = roles.get(key) or new_roles.setdefault(key, row.org_role)
        status = row.status or (existing.status if existing else StaffStatus.ACTIVE)
        last_working_day = existing.last_working_day if existing else None
        if "last_working_day" in columns:
            last_working_day = row.last_working_day
        if status == StaffStatus.OFFBOARDED and last_working_day is None:
            if existing and existing.last_working_day:
                last_working_day = existing.last_working_day  # kept: the file gives none
            else:
                plan.errors.append(
                    RowError(
                        row.line,
                        "last_working_day",
                        "An offboarded person needs their last working day (YYYY-MM-DD).",
                    )
                )
                continue
        offboarded_on = offboarded_on_after(
            status=status,
            offboarded_on=existing.offboarded_on if existing else None,
            today=today,
        )
        target = Target(
            line=row.line,
            name=row.name,
            email=row.email,
            org_role=org_role,
            status=status,
            last_working_day=last_working_day,
            offboarded_on=offboarded_on,
            manager=manager,
            person_id=existing.pk if existing else None,
        )
        if existing is not None:
            for name in CHANGEABLE:
                before, after = getattr(existing, name), getattr(target, name)
                if before != after:
                    target.changes.append(
                        Change(name, field_label(name), _show(name, before), _show(name, after))
                    )
        targets.append(target)

    _check_manager_cycles(targets, directory, plan)
    if plan.errors:
        plan.errors.sort(key=lambda error: error.line or 0)
        return plan
    for target in targets:
        if target.person_id is None:
            plan.created.append(target)
        elif target.changes:
            plan.changed.append(target)
        else:
            plan.unchanged += 1
    plan.new_org_roles = sorted(new_roles.values(), key=str.lower)
    plan.left_alone = len(directory.keys() - {target.email for target in targets})
    return plan


def _check_manager_cycles(
    targets: list[Target], directory: dict[str, _Person], plan: ImportPlan
) -> None:
    graph: dict[Any, Any] = {email: person.manager for email, person in directory.items()}
    graph.update({target.email: target.manager for target in targets})
    reported: set[frozenset[Any]] = set()
    for target in targets:
        cycle = manager_cycle(graph, target.email)
        if cycle and frozenset(cycle) not in reported:
            reported.add(frozenset(cycle))
            plan.errors.append(
                RowError(
                    target.line,
                    "manager_email",
                    "A manager cycle: " + " → ".join(str(email) for email in cycle) + ".",
                )
            )


# --- Saving ------------------------------------------------------------------------------------


class PreviewOutdated(Exception):
    """The directory changed between the preview and the confirmation."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__("The staff directory changed since the preview.")
        self.plan = plan


def apply_import(
    text: str,
    *,
    user: AbstractBaseUser | None,
    expected_digest: str | None = None,
    dry_run: bool = False,
    today: date | None = None,
) -> ImportPlan:
    """Plan ``text`` again and, when it has no error (and is what the preview showed, if
    ``expected_digest`` is given), save it all in one transaction. Returns the plan; raises
    PreviewOutdated when the directory changed since the preview (nothing saved)."""
    with transaction.atomic():
        plan = plan_import(text, today=today)
        if not plan.ok or dry_run:
            return plan
        if expected_digest is not None and plan.digest != expected_digest:
            raise PreviewOutdated(plan)
        try:
            with transaction.atomic():
                changed_ids = _write(plan, user=user)
        except IntegrityError as error:
            # Someone saved the same email between the plan and the write.
            plan.errors.append(RowError(None, "", f"The directory changed meanwhile: {error}."))
            return plan
    if changed_ids:
        staff_changed.send(sender=StaffMember, staff_ids=changed_ids, reason="after a staff import")
    return plan


def _write(plan: ImportPlan, *, user: AbstractBaseUser | None) -> list[int]:
    if plan.new_org_roles:
        bulk_create_with_history(
            [OrgRole(name=name) for name in plan.new_org_roles], OrgRole, default_user=user
        )
    roles = {role.name.lower(): role.pk for role in OrgRole.objects.all()}
    ids = dict(StaffMember.objects.values_list("email", "pk"))

    def role_id(name: str | None) -> int | None:
        return roles[name.lower()] if name else None

    # Managers first: a new person whose manager is new too is created after them.
    for level in _levels(plan.created):
        people = [
            StaffMember(
                name=target.name,
                email=target.email,
                org_role_id=role_id(target.org_role),
                status=target.status,
                last_working_day=target.last_working_day,
                offboarded_on=target.offboarded_on,
                manager_id=ids[target.manager] if target.manager else None,
                version=1,  # bulk_create skips Versioned.save
            )
            for target in level
        ]
        for person in bulk_create_with_history(people, StaffMember, default_user=user):
            ids[person.email] = person.pk
    if plan.changed:
        by_id = StaffMember.objects.in_bulk([target.person_id for target in plan.changed])
        people = []
        search_text = StaffMember._meta.get_field("search_text")
        for target in plan.changed:
            person = by_id[target.person_id]
            person.name = target.name
            person.org_role_id = role_id(target.org_role)
            person.status = target.status
            person.last_working_day = target.last_working_day
            person.offboarded_on = target.offboarded_on
            person.manager_id = ids[target.manager] if target.manager else None
            # A form loaded before the import must not save over it (lib/concurrency.py);
            # counted in the UPDATE itself, so an edit saved meanwhile is counted too.
            person.version = F("version") + 1
            # bulk_update does not call pre_save: fold the search text here.
            search_text.pre_save(person, add=False)
            people.append(person)
        bulk_update_with_history(
            people,
            StaffMember,
            [*CHANGEABLE, "search_text", "version"],
            default_user=user,
            batch_size=500,
        )
    return [ids[target.email] for target in (*plan.created, *plan.changed)]


def _levels(created: Iterable[Target]) -> list[list[Target]]:
    """New people grouped so that each one's manager, when new too, is in an earlier group."""
    pending = {target.email: target for target in created}
    levels = []
    while pending:
        level = [
            target
            for target in pending.values()
            if target.manager is None or target.manager not in pending
        ]
        if not level:  # a cycle: refused by plan_import, never reached
            raise ValueError("manager cycle among new people")
        for target in level:
            del pending[target.email]
        levels.append(level)
    return levels
