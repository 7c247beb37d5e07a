"""Two admins editing one person at once (issue 12): the second save is refused with who changed
the person meanwhile, what they typed shown again; nothing is overwritten silently."""

from __future__ import annotations

import pytest
from django.test import Client

from access.models import StaffMember
from access.staff_import import apply_import
from accounts.roles import Role
from tests.access.conftest import person, snapshot
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _form(member: StaffMember, version: int, **fields: str) -> dict[str, str]:
    data = {
        "name": member.name,
        "email": member.email,
        "alias_emails_text": "",
        "org_role": "",
        "status": "active",
        "last_working_day": "",
        "manager_email": "",
        "version": str(version),
    }
    return {**data, **fields}


def test_an_edit_over_a_newer_save_is_refused_and_shows_what_was_typed(
    admin_client, django_user_model
) -> None:  # type: ignore[no-untyped-def]
    ann = person("Ann", "ann@example.com")
    other = Client()
    other.force_login(make_user(django_user_model, "dave-admin", Role.ADMIN))
    url = f"/access/staff/{ann.pk}/edit/"
    assert 'name="version" value="1"' in admin_client.get(url).content.decode()
    other.post(url, _form(ann, 1, name="Ann Lee"))  # dave saves first
    saved = snapshot()
    typed = {"status": "offboarded", "last_working_day": "2026-03-31"}
    response = admin_client.post(url, _form(ann, 1, **typed))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Changed by dave-admin meanwhile — review and save again." in page
    assert 'value="2026-03-31"' in page and 'value="offboarded" selected' in page
    assert 'name="version" value="2"' in page and "Edit Ann Lee" in page
    assert snapshot() == saved
    # Saved again after a look: on purpose, over dave's change.
    admin_client.post(url, _form(ann, 2, **typed))
    ann.refresh_from_db()
    assert (ann.name, ann.status, ann.version) == ("Ann", "offboarded", 3)


def test_an_import_saved_meanwhile_counts_as_a_change(admin_client, admin_user) -> None:  # type: ignore[no-untyped-def]
    ann = person("Ann", "ann@example.com")
    apply_import(
        "name,email,org_role\nAnn,ann@example.com,Finance\n", user=admin_user, dry_run=False
    )
    response = admin_client.post(f"/access/staff/{ann.pk}/edit/", _form(ann, 1, name="Ann Lee"))
    assert "Changed by alice-admin meanwhile — review and save again." in response.content.decode()
    ann.refresh_from_db()
    assert (ann.name, ann.org_role.name, ann.version) == ("Ann", "Finance", 2)


def test_an_edit_without_its_version_changes_nothing(admin_client) -> None:  # type: ignore[no-untyped-def]
    ann = person("Ann", "ann@example.com")
    data = _form(ann, 1, name="Ann Lee")
    del data["version"]
    page = admin_client.post(f"/access/staff/{ann.pk}/edit/", data).content.decode()
    assert "This form has no version: reload the page and save again." in page
    ann.refresh_from_db()
    assert ann.name == "Ann"
