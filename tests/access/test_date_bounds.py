"""Days typed into the access forms and the staff import: 0001-01-01 and 9999-12-31 parse as dates
but are typos. Each is refused on its field, and nothing is saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from access.models import Account, AccountMapping, CriticalSystem, StaffMember
from access.review_models import AccessReview
from access.store import ACCOUNTS
from integrations.records import AccountRecord
from lib.dates import months_ahead
from tests.access.conftest import person, snapshot
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db

TYPOS = ("0001-01-01", "9999-12-31")


def _person_form(**fields: str) -> dict[str, str]:
    return {
        "name": "Erin Example",
        "email": "erin@example.com",
        "alias_emails_text": "",
        "org_role": "",
        "status": "offboarded",
        "last_working_day": "",
        "manager_email": "",
        **fields,
    }


@pytest.mark.parametrize("day", TYPOS)
def test_a_last_working_day_that_cannot_be_right_is_refused(admin_client, day: str) -> None:  # type: ignore[no-untyped-def]
    ann = person("Ann", "ann@example.com")
    before = snapshot()
    url = f"/access/staff/{ann.pk}/edit/"
    response = admin_client.post(url, _person_form(last_working_day=day))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved" in page and "Give a date between 1 Jan 1970 and" in page
    assert snapshot() == before


def test_a_planned_last_working_day_within_a_year_is_kept(admin_client) -> None:  # type: ignore[no-untyped-def]
    planned = months_ahead(timezone.localdate(), 6)
    admin_client.post("/access/staff/add/", _person_form(last_working_day=planned.isoformat()))
    assert StaffMember.objects.get().last_working_day == planned


@pytest.mark.parametrize("day", TYPOS)
def test_the_import_refuses_such_a_last_working_day_on_its_line(admin_client, day: str) -> None:  # type: ignore[no-untyped-def]
    before = snapshot()
    text = (
        "name,email,status,last_working_day\n"
        "Ann,ann@example.com,active,\n"
        f"Bob,bob@example.com,offboarded,{day}\n"
    )
    response = admin_client.post(
        "/access/staff/import/",
        {"file": SimpleUploadedFile("staff.csv", text.encode(), "text/csv")},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Nothing was saved" in page
    assert f"Line 3, last_working_day: “{day}”: Give a date between 1 Jan 1970 and" in page
    assert snapshot() == before


@pytest.fixture
def account():  # type: ignore[no-untyped-def]
    connection = make_connection()
    CriticalSystem.objects.create(connection=connection)
    ACCOUNTS.save(
        connection=connection,
        records=[AccountRecord(upstream_id="u1", email="ext@example.com", name="Ext", role="User")],
    )
    return Account.objects.get()


def _mapping_rows() -> list[tuple]:
    return list(AccountMapping.objects.values_list("kind", "external_until", "reason"))


@pytest.mark.parametrize("day", TYPOS)
def test_an_external_until_a_day_that_cannot_be_right_is_refused(
    admin_client, account, day: str
) -> None:  # type: ignore[no-untyped-def]
    before = _mapping_rows()
    response = admin_client.post(
        f"/access/accounts/{account.pk}/",
        {"kind": "external", "external_until": day, "reason": "Contractor"},
    )
    assert response.status_code == 200
    assert "Give a date between 1 Jan 1970 and" in response.content.decode()
    assert _mapping_rows() == before


def test_an_external_whose_agreement_ended_is_still_recorded(admin_client, account) -> None:  # type: ignore[no-untyped-def]
    ended = timezone.localdate() - timedelta(days=3)
    admin_client.post(
        f"/access/accounts/{account.pk}/",
        {"kind": "external", "external_until": ended.isoformat(), "reason": "Contractor"},
    )
    assert AccountMapping.objects.get().external_until == ended


def test_a_review_due_in_the_year_9999_is_refused(admin_client, account) -> None:  # type: ignore[no-untyped-def]
    system = CriticalSystem.objects.get()
    form = {"name": "Q1", "systems": [system.pk], "reviewer_mode": "owner"}
    response = admin_client.post("/access/reviews/new/", {**form, "due_on": "9999-12-31"})
    assert response.status_code == 200
    latest = months_ahead(timezone.localdate(), 12)
    assert f"and {latest.day} {latest:%b %Y}." in response.content.decode()
    assert not AccessReview.objects.exists()
    admin_client.post("/access/reviews/new/", {**form, "due_on": latest.isoformat()})
    assert AccessReview.objects.get().due_on == latest
