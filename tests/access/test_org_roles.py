"""The org roles the admin keeps: add, rename, delete only when nobody has it."""

from __future__ import annotations

import pytest

from access.models import AllowedRole, CriticalSystem, OrgRole
from tests.access.conftest import person, role
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db


def test_an_admin_adds_and_renames_an_org_role(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post("/access/org-roles/", {"name": "  Site   Reliability "})
    assert response.status_code == 302
    sre = OrgRole.objects.get()
    assert sre.name == "Site Reliability"
    response = admin_client.post(
        f"/access/org-roles/{sre.pk}/rename/", {"name": "SRE"}, follow=True
    )
    sre.refresh_from_db()
    assert sre.name == "SRE"
    assert "Org role “Site Reliability” renamed “SRE”." in response.content.decode()


def test_a_name_taken_in_any_case_is_refused_with_a_message(admin_client) -> None:  # type: ignore[no-untyped-def]
    role("SRE")
    finance = role("Finance")
    response = admin_client.post("/access/org-roles/", {"name": "sre"})
    assert response.status_code == 200
    assert "There is already an org role “SRE”." in response.content.decode()
    response = admin_client.post(f"/access/org-roles/{finance.pk}/rename/", {"name": "SRE"})
    assert response.status_code == 200
    assert "There is already an org role “SRE”." in response.content.decode()
    assert sorted(OrgRole.objects.values_list("name", flat=True)) == ["Finance", "SRE"]


def test_an_unused_org_role_is_deleted(admin_client) -> None:  # type: ignore[no-untyped-def]
    unused = role("Unused")
    response = admin_client.post(f"/access/org-roles/{unused.pk}/delete/", follow=True)
    assert "Org role “Unused” deleted." in response.content.decode()
    assert not OrgRole.objects.exists()


def test_an_org_role_in_use_is_not_deleted_and_the_page_says_why(admin_client) -> None:  # type: ignore[no-untyped-def]
    person("Ann", "ann@example.com", org_role="SRE")
    response = admin_client.post(f"/access/org-roles/{role('SRE').pk}/delete/", follow=True)
    assert "“SRE” is not deleted: 1 person has it." in response.content.decode()
    assert OrgRole.objects.filter(name="SRE").exists()


def test_an_org_role_named_in_a_valid_access_is_not_deleted(admin_client) -> None:  # type: ignore[no-untyped-def]
    finance = role("Finance")
    system = CriticalSystem.objects.create(connection=make_connection(), access_type="role_based")
    AllowedRole.objects.create(system=system, org_role=finance)
    response = admin_client.post(f"/access/org-roles/{finance.pk}/delete/", follow=True)
    assert "1 critical system allows it in their valid access" in response.content.decode()
    assert AllowedRole.objects.filter(org_role=finance).exists()


def test_the_list_counts_people_and_auditors_see_no_buttons(auditor_client) -> None:  # type: ignore[no-untyped-def]
    person("Ann", "ann@example.com", org_role="SRE")
    page = auditor_client.get("/access/org-roles/").content.decode()
    assert "SRE" in page and f'?org_role={role("SRE").pk}">1</a>' in page
    assert "Rename" not in page and "Delete" not in page and "Add an org role" not in page
