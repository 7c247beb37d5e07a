"""Two admins adding the same thing at once (issue 12): a person with one email, an org role with
one name, one integration as a critical system. The late save lands after the form checked the
value and before its own INSERT; it is refused with the form's usual message, never a 500, and
exactly the first one is stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db.models import Model

from access.models import CriticalSystem, OrgRole, StaffMember
from access.staff_forms import OrgRoleForm, StaffMemberForm
from access.system_forms import AddSystemForm

pytestmark = pytest.mark.django_db


@contextmanager
def saved_first_by_someone_else(form: type, make: Callable[[], Model]) -> Iterator[None]:
    """Right after the request's ``form`` has checked its input, someone else's row is stored:
    the moment two simultaneous saves pass their checks before either writes."""
    checked = form._post_clean

    def then_the_other_save(self) -> None:  # type: ignore[no-untyped-def]
        checked(self)
        form._post_clean = checked  # once: validating again sees what is stored
        make().save()

    form._post_clean = then_the_other_save
    try:
        yield
    finally:
        form._post_clean = checked


def test_two_people_added_with_one_email_at_once_keep_the_first(admin_client) -> None:  # type: ignore[no-untyped-def]
    typed = {"name": "Ann Lee", "email": "Ann@Example.com", "status": "active", "version": "0"}
    with saved_first_by_someone_else(
        StaffMemberForm, lambda: StaffMember(name="Ann Other", email="ann@example.com")
    ):
        response = admin_client.post("/access/staff/add/", typed)
    page = response.content.decode()
    assert response.status_code == 200
    assert "ann@example.com is already" in page
    assert 'value="Ann Lee"' in page  # what was typed is still there
    assert list(StaffMember.objects.values_list("name", "email")) == [
        ("Ann Other", "ann@example.com")
    ]


def test_two_org_roles_added_with_one_name_at_once_keep_the_first(admin_client) -> None:  # type: ignore[no-untyped-def]
    with saved_first_by_someone_else(OrgRoleForm, lambda: OrgRole(name="Finance")):
        response = admin_client.post("/access/org-roles/", {"name": "Finance"})
    assert response.status_code == 200
    assert "There is already an org role “Finance”." in response.content.decode()
    assert list(OrgRole.objects.values_list("name", flat=True)) == ["Finance"]


def test_renaming_to_a_name_taken_meanwhile_keeps_both_names(admin_client) -> None:  # type: ignore[no-untyped-def]
    sre = OrgRole.objects.create(name="SRE")
    with saved_first_by_someone_else(OrgRoleForm, lambda: OrgRole(name="Ops")):
        response = admin_client.post(f"/access/org-roles/{sre.pk}/rename/", {"name": "Ops"})
    assert "There is already an org role “Ops”." in response.content.decode()
    assert sorted(OrgRole.objects.values_list("name", flat=True)) == ["Ops", "SRE"]


def test_one_integration_added_twice_at_once_is_one_critical_system(
    admin_client, connection
) -> None:  # type: ignore[no-untyped-def]
    with saved_first_by_someone_else(AddSystemForm, lambda: CriticalSystem(connection=connection)):
        response = admin_client.post("/access/", {"connection": connection.pk})
    assert response.status_code == 200
    assert "This integration is already a critical system." in response.content.decode()
    assert CriticalSystem.objects.filter(connection=connection).count() == 1
