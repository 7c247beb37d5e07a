"""The staff list, a person's page with every kept change, and adding and editing people."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.models import StaffMember
from access.staff_signals import staff_changed
from tests.access.conftest import person, role

pytestmark = pytest.mark.django_db


def _edit(client, member: StaffMember, **fields: str):  # type: ignore[no-untyped-def]
    """Save the edit form as a page loaded just now would: carrying the person's version."""
    version = StaffMember.objects.values_list("version", flat=True).get(pk=member.pk)
    data = {**_form(**fields), "version": str(version)}
    return client.post(f"/access/staff/{member.pk}/edit/", data, follow=True)


def _form(**fields: str) -> dict[str, str]:
    data = {
        "name": "Erin Example",
        "email": "erin@example.com",
        "alias_emails_text": "",
        "org_role": "",
        "status": "active",
        "last_working_day": "",
        "manager_email": "",
    }
    data.update(fields)
    return data


def test_the_list_shows_each_persons_columns(admin_client) -> None:  # type: ignore[no-untyped-def]
    boss = person("Zoë Boss", "zoe@example.com", org_role="SRE")
    person(
        "Ann Able",
        "ann@example.com",
        org_role="Engineering",
        alias_emails=["a.able@example.com"],
        manager=boss,
        status="offboarded",
        last_working_day=date(2026, 3, 31),
        offboarded_on=date(2026, 4, 1),
    )
    page = admin_client.get("/access/staff/").content.decode()
    assert page.index("Ann Able") < page.index("Zoë Boss")  # name order
    for text in ("ann@example.com", "also a.able@example.com", "Engineering", "Offboarded"):
        assert text in page
    assert "31 Mar 2026" in page
    assert f'href="/access/staff/{boss.pk}/">Zoë Boss</a>' in page


def test_search_ignores_case_and_accents_and_finds_other_emails(admin_client) -> None:  # type: ignore[no-untyped-def]
    person("Zoë Boss", "zoe@example.com")
    person("Ann Able", "ann@example.com", alias_emails=["ann.old@corp.example"])
    page = admin_client.get("/access/staff/", {"q": "ZOE"}).content.decode()
    assert "Zoë Boss" in page and "Ann Able" not in page
    page = admin_client.get("/access/staff/", {"q": "corp.example"}).content.decode()
    assert "Ann Able" in page and "Zoë Boss" not in page


def test_filters_by_status_and_org_role(admin_client) -> None:  # type: ignore[no-untyped-def]
    sre = role("SRE")
    person("Ann", "ann@example.com", org_role="SRE")
    person("Bob", "bob@example.com", status="offboarded", last_working_day=date(2026, 1, 1))
    page = admin_client.get("/access/staff/", {"org_role": sre.pk}).content.decode()
    assert "ann@example.com" in page and "bob@example.com" not in page
    page = admin_client.get("/access/staff/", {"status": "offboarded"}).content.decode()
    assert "bob@example.com" in page and "ann@example.com" not in page
    page = admin_client.get("/access/staff/", {"org_role": "none"}).content.decode()
    assert "bob@example.com" in page and "ann@example.com" not in page


def test_a_bad_filter_value_is_ignored_and_said(admin_client) -> None:  # type: ignore[no-untyped-def]
    person("Ann", "ann@example.com")
    response = admin_client.get("/access/staff/", {"status": "gone", "org_role": "x", "page": "z"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "not understood and are ignored" in page and "ann@example.com" in page


def test_htmx_gets_the_table_alone(admin_client) -> None:  # type: ignore[no-untyped-def]
    person("Ann", "ann@example.com")
    page = admin_client.get("/access/staff/", HTTP_HX_REQUEST="true").content.decode()
    assert page.lstrip().startswith('<div id="staff-table">') and "ann@example.com" in page


def test_the_empty_directory_says_how_to_import(admin_client, auditor_client) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get("/access/staff/").content.decode()
    assert "No one is in the staff directory yet" in page
    assert "name,email,org_role,status,last_working_day,manager_email" in page
    assert "python manage.py import_staff FILE.csv" in page
    assert 'href="/access/staff/import/"' in page
    assert (
        'href="/access/staff/import/"' not in auditor_client.get("/access/staff/").content.decode()
    )


def test_the_list_reads_a_fixed_number_of_queries_whatever_the_page(admin_client) -> None:  # type: ignore[no-untyped-def]
    boss = person("Boss", "boss@example.com", org_role="SRE")
    StaffMember.objects.bulk_create(
        StaffMember(
            name=f"P{n:03}", email=f"p{n}@example.com", org_role=boss.org_role, manager=boss
        )
        for n in range(120)
    )
    counts = []
    for page in ("1", "2", "3"):
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get("/access/staff/", {"page": page}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]


def test_an_admin_adds_a_person_with_other_emails_and_a_manager(admin_client) -> None:  # type: ignore[no-untyped-def]
    boss = person("Boss", "boss@example.com")
    sre = role("SRE")
    received = []
    staff_changed.connect(
        lambda **kw: received.append(kw["staff_ids"]), weak=False, dispatch_uid="t"
    )
    try:
        response = admin_client.post(
            "/access/staff/add/",
            _form(
                email=" Erin@Example.com ",
                alias_emails_text="E.Old@example.com, erin2@example.com\nerin2@example.com",
                org_role=str(sre.pk),
                manager_email="BOSS@example.com",
            ),
        )
    finally:
        staff_changed.disconnect(dispatch_uid="t")
    erin = StaffMember.objects.get(email="erin@example.com")
    assert response.status_code == 302 and response["Location"] == f"/access/staff/{erin.pk}/"
    assert erin.alias_emails == ["e.old@example.com", "erin2@example.com"]
    assert erin.manager == boss and erin.org_role == sre
    assert received == [[erin.pk]]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "boss@example.com"}, "email", "already the email of Boss"),
        ({"email": "b.old@example.com"}, "email", "already an other email of Boss"),
        ({"alias_emails_text": "BOSS@example.com"}, "alias_emails_text", "already the email of"),
        ({"alias_emails_text": "not-an-email"}, "alias_emails_text", "is not an email address"),
        ({"alias_emails_text": "erin@example.com"}, "alias_emails_text", "main email"),
        ({"manager_email": "erin@example.com"}, "manager_email", "their own manager"),
        ({"manager_email": "who@example.com"}, "manager_email", "No one in the staff directory"),
        ({"status": "offboarded"}, "last_working_day", "Give the last working day"),
        ({"status": "gone"}, "status", "Select a valid choice"),
        ({"last_working_day": "31/03/2026"}, "last_working_day", "Enter a valid date"),
        ({"name": ""}, "name", "This field is required"),
    ],
)
def test_a_refused_person_says_why_and_saves_nothing(admin_client, fields, field, message) -> None:  # type: ignore[no-untyped-def]
    person("Boss", "boss@example.com", alias_emails=["b.old@example.com"])
    response = admin_client.post("/access/staff/add/", _form(**fields))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field]), errors
    assert "Nothing was saved" in response.content.decode()
    assert StaffMember.objects.count() == 1


def test_a_manager_cycle_is_refused(admin_client) -> None:  # type: ignore[no-untyped-def]
    ann = person("Ann", "ann@example.com")
    bob = person("Bob", "bob@example.com", manager=ann)
    cid = person("Cid", "cid@example.com", manager=bob)
    response = _edit(
        admin_client, ann, name="Ann", email="ann@example.com", manager_email="cid@example.com"
    )
    assert response.status_code == 200
    error = " ".join(response.context["form"].errors["manager_email"])
    assert "manager cycle: Ann → Cid → Bob → Ann" in error
    ann.refresh_from_db()
    assert ann.manager is None and cid.manager == bob


def test_offboarding_records_today_and_needs_the_last_working_day(admin_client) -> None:  # type: ignore[no-untyped-def]
    ann = person("Ann", "ann@example.com")
    response = _edit(
        admin_client,
        ann,
        name="Ann",
        email="ann@example.com",
        status="offboarded",
        last_working_day="2026-03-31",
    )
    ann.refresh_from_db()
    assert ann.status == "offboarded" and ann.last_working_day == date(2026, 3, 31)
    assert ann.offboarded_on == timezone.localdate()
    assert f"Offboarded: recorded on {timezone.localdate():%Y-%m-%d}" in response.content.decode()
    # Active again (rehired): the recorded date goes, the history keeps it.
    _edit(admin_client, ann, name="Ann", email="ann@example.com")
    ann.refresh_from_db()
    assert ann.status == "active" and ann.offboarded_on is None


def test_the_persons_page_shows_every_change_with_who_and_before_after(
    admin_client, admin_user
) -> None:  # type: ignore[no-untyped-def]
    role("SRE")
    admin_client.post("/access/staff/add/", _form(org_role=str(role("Engineering").pk)))
    erin = StaffMember.objects.get()
    _edit(
        admin_client,
        erin,
        org_role=str(role("SRE").pk),
        status="offboarded",
        last_working_day="2026-03-31",
    )
    page = admin_client.get(f"/access/staff/{erin.pk}/").content.decode()
    assert page.count("— alice-admin · ") == 2  # who, for the creation and the change
    assert "<td>Org role</td><td>Engineering → SRE</td>" in page
    assert "<td>Status</td><td>Active → Offboarded</td>" in page
    assert "<td>Last working day</td><td>— → 2026-03-31</td>" in page
    assert "<td>Name</td><td>— → Erin Example</td>" in page  # the creation
    # Newest first.
    assert page.index("Engineering → SRE") < page.index("— → Erin Example")


def test_a_deleted_org_role_still_reads_by_name_in_the_history(admin_client) -> None:  # type: ignore[no-untyped-def]
    ops = role("Ops")
    ann = person("Ann", "ann@example.com", org_role="Ops")
    ann.org_role = None
    ann.save()
    ops.delete()
    page = admin_client.get(f"/access/staff/{ann.pk}/").content.decode()
    assert "<td>Org role</td><td>Ops → —</td>" in page


def test_upstream_text_is_escaped(admin_client) -> None:  # type: ignore[no-untyped-def]
    person("<script>alert(1)</script>", "x@example.com")
    page = admin_client.get("/access/staff/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
