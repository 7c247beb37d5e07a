"""staff.csv and staff_history.csv in the evidence ZIP, from this test's own people."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from access.models import StaffMember
from evidence.archive import build_evidence_zip
from lib.evidence_files import Period
from tests.access.conftest import person, role
from tests.evidence.conftest import read_csv, read_zip

pytestmark = pytest.mark.django_db

PERIOD = Period(start=date(2026, 1, 1), end=date(2026, 3, 31))
NOW = datetime(2026, 4, 2, 9, 30, tzinfo=UTC)


def _save(member: StaffMember, user, when: datetime) -> None:  # type: ignore[no-untyped-def]
    member._history_user = user  # type: ignore[attr-defined]
    member._history_date = when  # type: ignore[attr-defined]
    member.save()


@pytest.fixture
def archive(admin_user):  # type: ignore[no-untyped-def]
    boss = person("Boss", "boss@example.com", org_role="Management")
    ann = StaffMember(
        name="=HYPERLINK(evil)",
        email="ann@example.com",
        alias_emails=["ann.old@example.com", "a@example.com"],
        org_role=role("Engineering"),
        manager=boss,
    )
    _save(ann, admin_user, datetime(2025, 12, 1, tzinfo=UTC))  # created before the period
    ann.status, ann.last_working_day = "offboarded", date(2026, 2, 27)
    ann.offboarded_on, ann.org_role = date(2026, 3, 2), role("SRE")
    _save(ann, admin_user, datetime(2026, 3, 2, 10, tzinfo=UTC))
    ann.name = "Ann Able"
    _save(ann, None, datetime(2026, 4, 1, tzinfo=UTC))  # after the period
    with build_evidence_zip(period=PERIOD, generated_by=admin_user, now=NOW) as file:
        return read_zip(file.read())


def test_staff_csv_lists_every_person_as_they_are(archive) -> None:  # type: ignore[no-untyped-def]
    rows = read_csv(archive, "staff.csv")
    assert [row["email"] for row in rows] == ["ann@example.com", "boss@example.com"]
    ann = rows[0]
    assert ann["name"] == "Ann Able"
    assert ann["other_emails"] == "ann.old@example.com; a@example.com"
    assert (ann["org_role"], ann["status"]) == ("SRE", "Offboarded")
    assert (ann["last_working_day"], ann["offboarded_on"]) == ("2026-02-27", "2026-03-02")
    assert ann["manager_email"] == "boss@example.com"
    assert rows[1]["manager_email"] == "" and rows[1]["org_role"] == "Management"


def test_staff_history_csv_has_each_change_of_the_period_before_and_after(archive) -> None:  # type: ignore[no-untyped-def]
    rows = read_csv(archive, "staff_history.csv")
    assert {row["email"] for row in rows} == {"ann@example.com"}  # Boss was added outside it
    changes = {row["field"]: (row["before"], row["after"]) for row in rows}
    assert changes == {
        "org_role": ("Engineering", "SRE"),
        "status": ("Active", "Offboarded"),
        "last_working_day": ("—", "2026-02-27"),
        "offboarded_on": ("—", "2026-03-02"),
    }
    assert {row["changed_by"] for row in rows} == {"alice-admin"}
    assert {row["changed_at"] for row in rows} == {"2026-03-02T10:00:00+00:00"}
    assert {row["change_type"] for row in rows} == {"Changed"}
    assert rows[0]["field_label"] == "Org role"


def test_a_formula_in_a_name_is_neutralised(admin_user) -> None:  # type: ignore[no-untyped-def]
    person("=SUM(A1:A9)", "sum@example.com")
    with build_evidence_zip(period=PERIOD, generated_by=admin_user, now=NOW) as file:
        rows = read_csv(read_zip(file.read()), "staff.csv")
    assert rows[0]["name"] == "'=SUM(A1:A9)"
