"""The staff directory's files in the evidence export: everyone in it now (staff.csv), and
every change kept in the period with who, when and each field before → after
(staff_history.csv, the same entries the person's page shows)."""

from __future__ import annotations

from collections.abc import Iterator

from access.models import StaffMember
from access.staff_history import history_between
from lib.evidence_files import EvidenceFile, Export, Row

STAFF_HEADER = (
    "person_id",
    "name",
    "email",
    "other_emails",
    "org_role",
    "status",
    "last_working_day",
    "offboarded_on",
    "manager_email",
    "added_at",
)


def staff_rows(export: Export) -> Iterator[Row]:
    people = (
        StaffMember.objects.select_related("org_role", "manager")
        .only(
            "name",
            "email",
            "alias_emails",
            "status",
            "last_working_day",
            "offboarded_on",
            "created_at",
            "org_role__name",
            "manager__email",
        )
        .order_by("email")
    )
    for person in people.iterator(chunk_size=2000):
        yield (
            person.pk,
            person.name,
            person.email,
            "; ".join(person.alias_emails),
            person.org_role.name if person.org_role else "",
            person.get_status_display(),
            person.last_working_day,
            person.offboarded_on,
            person.manager.email if person.manager else "",
            person.created_at,
        )


STAFF_HISTORY_HEADER = (
    "person_id",
    "email",
    "history_id",
    "changed_at",
    "changed_by",
    "change_type",
    "field",
    "field_label",
    "before",
    "after",
)


def staff_history_rows(export: Export) -> Iterator[Row]:
    """One row per changed field of every change in the period; a save that changed no field
    shown still gets a row, so every kept record is accounted for."""
    for entry in history_between(export.period.since, export.period.until):
        head = (
            entry.person_id,
            entry.email,
            entry.history_id,
            entry.at,
            entry.who,
            entry.change_type,
        )
        if not entry.changes:
            yield (*head, "", "", "", "")
        for change in entry.changes:
            yield (*head, change.field, change.label, change.before, change.after)


STAFF_FILES = [
    EvidenceFile(
        name="staff.csv",
        description="The staff directory at the time of the export: every person with their "
        "emails, org role, status, last working day, the day the offboarding was recorded and "
        "their manager.",
        header=STAFF_HEADER,
        rows=staff_rows,
        order=130,
    ),
    EvidenceFile(
        name="staff_history.csv",
        description="Every change to the staff directory in the period: who, when, and each "
        "field before → after (imports, edits, offboardings).",
        header=STAFF_HISTORY_HEADER,
        rows=staff_history_rows,
        order=140,
    ),
]
