"""Dates typed into URLs: the year 1 and the year 9999 parse as dates, but the day after 9999-12-31
does not exist. Every list and download that filters by day refuses them with a message."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from audit.models import EvidenceDownload
from evidence.models import EvidenceExport
from lib.dates import LATEST, BoundedDateField, months_ahead, out_of_range
from tests.conftest import make_connection, make_incident

pytestmark = pytest.mark.django_db

RANGE = "Give a date between 1 Jan 1970 and 31 Dec 2100."
EXTREMES = ("9999-12-31", "0001-01-01")


@pytest.mark.parametrize("day", EXTREMES)
@pytest.mark.parametrize("name", ["created_from", "created_to"])
def test_the_incident_list_ignores_an_impossible_day_and_says_so(
    staff_client, name: str, day: str
) -> None:  # type: ignore[no-untyped-def]
    make_incident(make_connection(), 7, title="Kept in the list")
    response = staff_client.get("/incidents/", {name: day})
    assert response.status_code == 200
    page = response.content.decode()
    assert "were not understood and are ignored" in page and RANGE in page
    assert "Kept in the list" in page  # the other filters (none) still apply


@pytest.mark.parametrize("day", EXTREMES)
@pytest.mark.parametrize("name", ["start", "end"])
def test_the_audit_log_refuses_an_impossible_day(auditor_client, name: str, day: str) -> None:  # type: ignore[no-untyped-def]
    response = auditor_client.get("/audit-log/", {name: day})
    assert response.status_code == 200
    page = response.content.decode()
    assert "These filters cannot be applied." in page and RANGE in page


@pytest.mark.parametrize("day", EXTREMES)
@pytest.mark.parametrize("name", ["start", "end"])
def test_the_evidence_export_refuses_an_impossible_day(auditor_client, name: str, day: str) -> None:  # type: ignore[no-untyped-def]
    entries = LogEntry.objects.count()
    other = {"start": "2026-01-01", "end": "2026-03-31"}
    response = auditor_client.post("/evidence/", {**other, name: day})
    assert response.status_code == 400
    page = response.content.decode()
    assert "No export was started" in page and RANGE in page
    # A refused period starts no export and records nothing.
    assert not EvidenceExport.objects.exists()
    assert not EvidenceDownload.objects.exists() and LogEntry.objects.count() == entries


def test_the_last_day_of_the_range_still_filters(staff_client) -> None:  # type: ignore[no-untyped-def]
    make_incident(make_connection(), 1, title="Reported today")
    page = staff_client.get("/incidents/", {"created_to": LATEST.isoformat()}).content.decode()
    assert "Reported today" in page and "not understood" not in page


def test_a_bound_may_be_relative_to_today() -> None:
    field = BoundedDateField(latest=lambda: months_ahead(timezone.localdate(), 1))
    assert field.clean(timezone.localdate().isoformat())
    with pytest.raises(Exception, match="Give a date between"):
        field.clean((timezone.localdate() + timedelta(days=40)).isoformat())
    # Fixed bounds are offered to the browser's date picker too.
    assert BoundedDateField().widget.attrs == {"min": "1970-01-01", "max": "2100-12-31"}


def test_months_ahead_keeps_the_day_or_takes_the_months_last() -> None:
    assert months_ahead(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert months_ahead(date(2027, 11, 15), 3) == date(2028, 2, 15)
    assert out_of_range(date(2027, 1, 1)) == ""
