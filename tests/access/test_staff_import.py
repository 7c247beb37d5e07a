"""Importing staff from CSV on the web page: a preview of what is created, changed and
offboarded before anything is saved, then one transaction on Confirm; a bad row names its
line and field, and nothing is saved."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from access.models import OrgRole, StaffImportUpload, StaffMember
from access.staff_import import MAX_BYTES, plan_import
from access.staff_signals import staff_changed
from tests.access.conftest import person, role, snapshot

pytestmark = pytest.mark.django_db

HEADER = "name,email,org_role,status,last_working_day,manager_email"


def upload(client, text: str | bytes, name: str = "staff.csv"):  # type: ignore[no-untyped-def]
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        "/access/staff/import/", {"file": SimpleUploadedFile(name, data, "text/csv")}
    )


def confirm(client, response):  # type: ignore[no-untyped-def]
    upload_id = response.context["upload"].pk
    digest = response.context["plan"].digest
    return client.post("/access/staff/import/confirm/", {"upload": upload_id, "digest": digest})


@pytest.fixture
def directory():  # type: ignore[no-untyped-def]
    boss = person("Boss", "boss@example.com", org_role="Management")
    ann = person("Ann Able", "ann@example.com", org_role="Engineering", manager=boss)
    bob = person("Bob", "bob@example.com", org_role="Engineering")
    keep = person("Kept Out", "kept@example.com", org_role="Support")
    return {"boss": boss, "ann": ann, "bob": bob, "keep": keep}


FILE = "\n".join(
    [
        HEADER,
        "Boss,boss@example.com,Management,,,",
        "Ann Able,ANN@example.com,SRE,,,boss@example.com",  # org role changes, SRE is new
        "Bob,bob@example.com,Engineering,offboarded,2026-03-31,",  # offboarded
        "Cleo New,cleo@example.com,engineering,,,dan@example.com",  # manager later in the file
        "Dan New,dan@example.com,SRE,,,boss@example.com",
    ]
)


def test_the_preview_says_what_would_change_and_saves_nothing(admin_client, directory) -> None:  # type: ignore[no-untyped-def]
    before = snapshot()
    response = upload(admin_client, FILE)
    assert response.status_code == 200
    page = response.content.decode()
    assert snapshot() == before
    plan = response.context["plan"]
    assert [t.email for t in plan.created] == ["cleo@example.com", "dan@example.com"]
    assert [t.email for t in plan.offboarded] == ["bob@example.com"]
    assert [t.email for t in plan.changed_only] == ["ann@example.com"]
    assert plan.unchanged == 1 and plan.left_alone == 1 and plan.new_org_roles == ["SRE"]
    assert "Org role: Engineering → SRE" in page
    assert "Status: Active → Offboarded" in page
    assert "Last working day: — → 2026-03-31" in page
    assert f"Offboarded on: — → {timezone.localdate():%Y-%m-%d}" in page
    assert "New org roles (1), created" in page
    assert "Not in the file, left as they are: 1 person" in page
    assert "Confirm and save" in page
    assert StaffImportUpload.objects.count() == 1


def test_confirm_saves_it_all_with_who_and_tells_subscribers(admin_client, directory) -> None:  # type: ignore[no-untyped-def]
    received = []
    staff_changed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t")
    try:
        response = confirm(admin_client, upload(admin_client, FILE))
    finally:
        staff_changed.disconnect(dispatch_uid="t")
    assert response.status_code == 302 and response["Location"] == "/access/staff/"
    cleo = StaffMember.objects.get(email="cleo@example.com")
    dan = StaffMember.objects.get(email="dan@example.com")
    assert cleo.manager == dan and dan.manager == directory["boss"]
    assert cleo.org_role.name == "Engineering"  # matched whatever the case
    ann = StaffMember.objects.get(email="ann@example.com")
    assert ann.org_role.name == "SRE"
    bob = StaffMember.objects.get(email="bob@example.com")
    assert bob.status == "offboarded" and bob.last_working_day == date(2026, 3, 31)
    assert bob.offboarded_on == timezone.localdate()
    assert StaffMember.objects.get(email="kept@example.com").org_role.name == "Support"
    assert not StaffImportUpload.objects.exists()
    # Who: the admin, on every record the import wrote (people and the new org role).
    records = StaffMember.history.filter(history_date__gte=ann.created_at).exclude(
        history_user=None
    )
    assert {r.email for r in records} == {
        "cleo@example.com",
        "dan@example.com",
        "ann@example.com",
        "bob@example.com",
    }
    assert OrgRole.history.get(name="SRE").history_user.username == "alice-admin"
    assert len(received) == 1 and received[0]["reason"] == "after a staff import"
    assert set(received[0]["staff_ids"]) == {cleo.pk, dan.pk, ann.pk, bob.pk}
    # One history record per person touched: the changes read on the person's page.
    page = admin_client.get(f"/access/staff/{ann.pk}/").content.decode()
    assert "<td>Org role</td><td>Engineering → SRE</td>" in page
    assert page.count("— alice-admin · Changed") == 1
    assert "Ann Able" in StaffMember.objects.filter(search_text__contains="ann able")[0].name


def test_a_confirm_after_the_directory_changed_shows_the_new_preview(
    admin_client, directory
) -> None:  # type: ignore[no-untyped-def]
    preview = upload(admin_client, FILE)
    StaffMember.objects.filter(email="ann@example.com").update(name="Ann Changed")
    response = confirm(admin_client, preview)
    assert response.status_code == 200
    assert "changed since the preview, so nothing was saved" in response.content.decode()
    assert not StaffMember.objects.filter(email="cleo@example.com").exists()
    assert "Name: Ann Changed → Ann Able" in response.content.decode()
    # Confirming what is now shown saves it.
    assert confirm(admin_client, response).status_code == 302
    assert StaffMember.objects.get(email="ann@example.com").name == "Ann Able"


def test_an_upload_can_be_confirmed_once_and_only_by_who_uploaded_it(
    admin_client, directory, django_user_model
) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    from accounts.roles import Role
    from tests.conftest import make_user

    preview = upload(admin_client, FILE)
    other = Client()
    other.force_login(make_user(django_user_model, "other-admin", Role.ADMIN))
    response = confirm(other, preview)
    assert response.status_code == 302 and response["Location"] == "/access/staff/import/"
    assert not StaffMember.objects.filter(email="cleo@example.com").exists()
    assert confirm(admin_client, preview).status_code == 302
    response = confirm(admin_client, preview)
    assert response["Location"] == "/access/staff/import/"
    page = admin_client.get("/access/staff/import/").content.decode()
    assert "That upload is no longer here" in page


def test_a_bad_confirmation_is_refused_with_a_message(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(
        "/access/staff/import/confirm/", {"upload": "not-a-uuid", "digest": "x"}, follow=True
    )
    assert "Nothing was saved: upload the file again." in response.content.decode()


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (["Ann,ann@example"], "Line 2, email: “ann@example” is not an email address."),
        ([",x@example.com"], "Line 2, name: The name is empty."),
        (["X,x@example.com,,gone"], "Line 2, status: “gone” is not a status"),
        (["X,x@example.com,,,31/03/2026"], "Line 2, last_working_day: “31/03/2026” is not a date"),
        (["X,x@example.com,,offboarded"], "Line 2, last_working_day: An offboarded person needs"),
        (["X,x@example.com,,,,nobody@example.com"], "Line 2, manager_email: No one with the email"),
        (
            ["X,x@example.com,,,,x@example.com"],
            "Line 2, manager_email: A person cannot be their own",
        ),
        (
            ["X,x@example.com", "", "Y,X@example.com"],
            "Line 4, email: x@example.com is also on line 2",
        ),
        (["X,x@example.com,,,,,extra"], "Line 2: 7 cells, but the header has 6 columns"),
        (
            ["X,x@example.com,,,,y@example.com", "Y,y@example.com,,,,x@example.com"],
            "Line 2, manager_email: A manager cycle: x@example.com → y@example.com → x@",
        ),
        (
            ["Old Ann,a.old@example.com"],
            "Line 2, email: a.old@example.com is an other email of Ann",
        ),
    ],
)
def test_a_bad_row_names_its_line_and_field_and_nothing_is_saved(
    admin_client, rows, expected
) -> None:  # type: ignore[no-untyped-def]
    person("Ann", "ann@example.com", alias_emails=["a.old@example.com"])
    before = snapshot()
    good = "Good Person,good@example.com,NewRole,,,"
    response = upload(admin_client, "\n".join([HEADER, *rows, good]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved" in page
    errors = [str(error) for error in response.context["plan"].errors]
    assert any(error.startswith(expected) for error in errors), errors
    assert snapshot() == before
    assert not OrgRole.objects.filter(name="NewRole").exists()
    assert not StaffImportUpload.objects.exists()


def test_an_existing_cycle_through_the_directory_is_refused(admin_client) -> None:  # type: ignore[no-untyped-def]
    ann = person("Ann", "ann@example.com")
    person("Bob", "bob@example.com", manager=ann)
    response = upload(
        admin_client, "name,email,manager_email\nAnn,ann@example.com,bob@example.com\n"
    )
    errors = [str(e) for e in response.context["plan"].errors]
    cycle = "ann@example.com → bob@example.com → ann@example.com"
    assert errors == [f"Line 2, manager_email: A manager cycle: {cycle}."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\n\n", "File: The file is empty"),
        (
            "name,email,department\nA,a@example.com,x\n",
            "Line 1, department: Unknown column “department”",
        ),
        ("name,org_role\nA,x\n", "Line 1, email: The header has no “email” column"),
        ("Ann,ann@example.com\n", "Line 1, ann: Unknown column “ann”"),
        ("name,email,email\n", "Line 1, email: The column “email” appears twice."),
        ('name,email\n"Ann,ann@example.com\n', "Line 2: Not readable as CSV"),
    ],
)
def test_a_bad_header_or_file_is_refused(admin_client, text, expected) -> None:  # type: ignore[no-untyped-def]
    response = upload(admin_client, text)
    assert response.status_code == 200
    errors = [str(error) for error in response.context["plan"].errors]
    assert any(error.startswith(expected) for error in errors), errors
    assert not StaffMember.objects.exists()


def test_bom_crlf_whitespace_and_blank_lines_are_read(admin_client) -> None:  # type: ignore[no-untyped-def]
    text = (
        "\ufeff Name , EMAIL ,org_role\r\n"
        "  Ann   Able ,  Ann@Example.COM , Site  Reliability \r\n"
        "\r\n"
        ",,\r\n"
        '"Bob, Jr.",bob@example.com,\r\n'
    )
    response = upload(admin_client, text.encode("utf-8"))
    plan = response.context["plan"]
    assert plan.ok, plan.errors
    assert [(t.name, t.email, t.org_role) for t in plan.created] == [
        ("Ann Able", "ann@example.com", "Site Reliability"),
        ("Bob, Jr.", "bob@example.com", None),
    ]
    confirm(admin_client, response)
    assert StaffMember.objects.count() == 2


def test_a_file_that_is_not_utf8_or_too_large_is_refused(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = upload(admin_client, "name,email\nJosé,jose@example.com\n".encode("latin-1"))
    assert "Line 2 is not UTF-8 text" in response.content.decode()
    response = upload(admin_client, b"name,email\n" + b"x" * MAX_BYTES)
    assert "at most 2 MB" in response.content.decode()
    response = admin_client.post("/access/staff/import/", {})
    assert "This field is required." in response.content.decode()
    response = upload(admin_client, b"")
    assert "The submitted file is empty." in response.content.decode()
    assert not StaffMember.objects.exists()


def test_columns_left_out_leave_fields_alone_and_empty_cells_clear_them(admin_client) -> None:  # type: ignore[no-untyped-def]
    boss = person("Boss", "boss@example.com")
    person("Ann", "ann@example.com", org_role="SRE", manager=boss)
    plan = plan_import("name,email\nAnn,ann@example.com\n")
    assert plan.unchanged == 1 and not plan.changed
    plan = plan_import("name,email,org_role,manager_email\nAnn,ann@example.com,,\n")
    changes = [str(change) for change in plan.changed[0].changes]
    assert changes == ["Org role: SRE → —", "Manager: boss@example.com → —"]


def test_an_offboarded_person_keeps_their_last_working_day_when_the_file_gives_none() -> None:
    person(
        "Ann",
        "ann@example.com",
        status="offboarded",
        last_working_day=date(2026, 1, 31),
        offboarded_on=date(2026, 2, 1),
    )
    plan = plan_import("name,email,status,last_working_day\nAnn,ann@example.com,offboarded,\n")
    assert plan.ok and plan.unchanged == 1


def test_nothing_to_change_offers_no_confirmation(admin_client) -> None:  # type: ignore[no-untyped-def]
    person("Ann", "ann@example.com")
    response = upload(admin_client, "name,email\nAnn,ann@example.com\n")
    assert "Nothing to change" in response.content.decode()
    assert "Confirm and save" not in response.content.decode()
    assert not StaffImportUpload.objects.exists()


def test_file_text_is_escaped_in_the_preview(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = upload(admin_client, 'name,email,org_role\n<b>x</b>,x@example.com,"<img src=x>"\n')
    page = response.content.decode()
    assert "<img src=x>" not in page and "&lt;img src=x&gt;" in page
    assert "<b>x</b>" not in page


def test_a_reused_role_name_is_the_existing_one() -> None:
    role("Engineering")
    plan = plan_import(
        "name,email,org_role\nA,a@example.com,ENGINEERING\nB,b@example.com,Ops\nC,c@example.com,ops\n"
    )
    assert plan.new_org_roles == ["Ops"]
    assert [t.org_role for t in plan.created] == ["Engineering", "Ops", "Ops"]
