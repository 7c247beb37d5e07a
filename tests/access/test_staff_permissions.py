"""Every write of the staff directory is the admin's: auditors and staff get 403 on each, and
the directory is exactly as it was. Auditors read; staff see nothing."""

from __future__ import annotations

import io

import pytest

from access.models import StaffImportUpload
from tests.access.conftest import person, role, snapshot

pytestmark = pytest.mark.django_db

CSV = b"name,email,org_role\nNew Person,new@example.com,Finance\nAnn,ann@example.com,Finance\n"


@pytest.fixture
def directory(admin_user):  # type: ignore[no-untyped-def]
    ann = person("Ann", "ann@example.com", org_role="SRE")
    sre = role("SRE")
    upload = StaffImportUpload.objects.create(uploaded_by=admin_user, content=CSV.decode())
    return {"ann": ann, "sre": sre, "upload": upload}


def _writes(directory) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    ann, sre = directory["ann"], directory["sre"]
    person_form = {"name": "X", "email": "x@example.com", "status": "offboarded"}
    return [
        ("/access/staff/add/", person_form),
        (f"/access/staff/{ann.pk}/edit/", {**person_form, "last_working_day": "2026-01-01"}),
        ("/access/staff/import/", {"file": io.BytesIO(CSV)}),
        ("/access/staff/import/confirm/", {"upload": str(directory["upload"].pk), "digest": "x"}),
        ("/access/org-roles/", {"name": "Finance"}),
        (f"/access/org-roles/{sre.pk}/rename/", {"name": "Ops"}),
        (f"/access/org-roles/{sre.pk}/delete/", {}),
    ]


@pytest.mark.parametrize("client_name", ["auditor_client", "staff_client"])
def test_only_an_admin_writes_and_a_refused_write_changes_nothing(
    request, directory, client_name
) -> None:  # type: ignore[no-untyped-def]
    client = request.getfixturevalue(client_name)
    before = snapshot()
    for url, data in _writes(directory):
        assert client.post(url, data).status_code == 403, url
    assert snapshot() == before
    assert StaffImportUpload.objects.count() == 1


def test_auditors_read_the_directory_without_edit_links(auditor_client, directory) -> None:  # type: ignore[no-untyped-def]
    ann = directory["ann"]
    assert "ann@example.com" in auditor_client.get("/access/staff/").content.decode()
    page = auditor_client.get(f"/access/staff/{ann.pk}/").content.decode()
    assert "ann@example.com" in page and "/edit/" not in page
    for url in ("/access/staff/add/", f"/access/staff/{ann.pk}/edit/", "/access/staff/import/"):
        assert auditor_client.get(url).status_code == 403, url


def test_staff_see_nothing_of_the_directory(staff_client, directory) -> None:  # type: ignore[no-untyped-def]
    for url in ("/access/staff/", f"/access/staff/{directory['ann'].pk}/", "/access/org-roles/"):
        assert staff_client.get(url).status_code == 403, url


def test_writes_need_the_csrf_token(admin_user, directory) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    before = snapshot()
    for url, data in _writes(directory):
        assert client.post(url, data).status_code == 403, url
    assert snapshot() == before
