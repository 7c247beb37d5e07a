"""`manage.py import_staff FILE.csv [--dry-run]`: the web import's code from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from access.models import OrgRole, StaffMember
from tests.access.conftest import person, snapshot

pytestmark = pytest.mark.django_db

FILE = (
    "name,email,org_role,status,last_working_day,manager_email\n"
    "Ann,ann@example.com,SRE,offboarded,2026-03-31,\n"
    "Cleo,cleo@example.com,Engineering,,,ann@example.com\n"
)


def run(path, *args: str) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("import_staff", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def csv_file(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "staff.csv"
    path.write_text(FILE)
    return path


def test_a_dry_run_prints_the_summary_and_saves_nothing(csv_file) -> None:  # type: ignore[no-untyped-def]
    person("Ann", "ann@example.com", org_role="SRE")
    before = snapshot()
    out = run(csv_file, "--dry-run")
    assert snapshot() == before
    assert "Created: 1 person" in out and "Offboarded: 1 person" in out
    assert "New org roles, created: Engineering" in out
    assert "created    line 3: Cleo <cleo@example.com>, Engineering" in out
    assert "offboarded line 2: Ann <ann@example.com>: Status: Active → Offboarded" in out
    assert "Last working day: — → 2026-03-31" in out
    assert "Dry run: nothing was saved." in out


def test_a_real_run_saves_it_with_system_as_the_author(csv_file) -> None:  # type: ignore[no-untyped-def]
    person("Ann", "ann@example.com", org_role="SRE")
    out = run(csv_file)
    assert "Saved." in out
    cleo = StaffMember.objects.get(email="cleo@example.com")
    assert cleo.manager.email == "ann@example.com" and cleo.org_role.name == "Engineering"
    assert StaffMember.objects.get(email="ann@example.com").status == "offboarded"
    assert cleo.history.get().history_user is None  # "System" on the page and in the evidence
    assert "Nothing to change." in run(csv_file)


def test_a_bad_row_exits_non_zero_with_line_and_field(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    path.write_text("name,email,status\nAnn,ann@example.com,\nBob,bob@example.com,retired\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_staff", str(path), stdout=io.StringIO(), stderr=err)
    assert "Line 3, status: “retired” is not a status" in err.getvalue()
    assert not StaffMember.objects.exists() and not OrgRole.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "nope.csv")


def test_the_exit_code_is_non_zero_from_a_shell(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import ManagementUtility

    path = tmp_path / "bad.csv"
    path.write_text("name,mail\n")
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "import_staff", str(path)]).execute()
    assert exit_info.value.code == 1
