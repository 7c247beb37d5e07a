"""The export page: who may start an export, what starting does (queue, never build), and what
a double-submit does."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from evidence.models import EvidenceExport
from evidence.tasks import BUILD_TASK

pytestmark = pytest.mark.django_db


def test_the_page_offers_the_last_90_days_and_explains_the_zip(auditor_client) -> None:  # type: ignore[no-untyped-def]
    response = auditor_client.get("/evidence/")
    assert response.status_code == 200
    page = response.content.decode()
    today = timezone.localdate()
    assert f'value="{today.isoformat()}"' in page
    assert f'value="{(today - timedelta(days=89)).isoformat()}"' in page
    assert 'method="post" action="/evidence/"' in page and "csrfmiddlewaretoken" in page
    assert "No export yet" in page
    for name in ("incidents.csv", "data_loss_history.csv", "sync_runs.csv", "manifest.json"):
        assert name in page
    # The list comes from the files' registry: services.csv was missing when written by hand.
    assert "services.csv" in page


def test_starting_queues_a_task_and_shows_the_export_as_queued(  # type: ignore[no-untyped-def]
    auditor_client, auditor_user, start_export, queued
) -> None:
    response = start_export(auditor_client, "2026-01-01", "2026-03-31")
    assert response.status_code == 302 and response["Location"] == "/evidence/"
    export = EvidenceExport.objects.get()
    assert (export.period_start, export.period_end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert export.requested_by == auditor_user and export.status == "queued"
    assert queued == [(BUILD_TASK, export.pk)]
    page = auditor_client.get("/evidence/").content.decode()
    assert "The export of 2026-01-01 to 2026-03-31 is queued" in page
    assert "Queued…" in page and "bob-auditor" in page
    # The list refreshes itself while an export is queued or building.
    assert 'hx-get="/evidence/" hx-trigger="every 3s" hx-swap="outerHTML"' in page


def test_an_admin_may_start_one_too(admin_client, start_export, queued) -> None:  # type: ignore[no-untyped-def]
    assert start_export(admin_client, "2026-01-01", "2026-01-31").status_code == 302
    assert len(queued) == 1


def test_a_double_submit_starts_one_export(auditor_client, start_export, queued) -> None:  # type: ignore[no-untyped-def]
    start_export(auditor_client, "2026-01-01", "2026-03-31")
    second = start_export(auditor_client, "2026-01-01", "2026-03-31")
    assert second.status_code == 302
    assert EvidenceExport.objects.count() == 1 and len(queued) == 1
    page = auditor_client.get("/evidence/").content.decode()
    assert "no second export was started" in page


def test_two_people_asking_for_the_same_period_each_get_theirs(  # type: ignore[no-untyped-def]
    auditor_client, admin_client, start_export, queued
) -> None:
    start_export(auditor_client, "2026-01-01", "2026-03-31")
    start_export(admin_client, "2026-01-01", "2026-03-31")
    assert EvidenceExport.objects.filter(status="queued").count() == 2 and len(queued) == 2


def test_another_period_by_the_same_person_is_another_export(  # type: ignore[no-untyped-def]
    auditor_client, start_export, queued
) -> None:
    start_export(auditor_client, "2026-01-01", "2026-03-31")
    start_export(auditor_client, "2026-01-01", "2026-02-28")
    assert EvidenceExport.objects.count() == 2 and len(queued) == 2


def test_the_database_holds_one_active_export_per_person_and_period(auditor_user) -> None:  # type: ignore[no-untyped-def]
    # What two requests at the same instant meet, whichever inserts second.
    fields = {"period_start": date(2026, 1, 1), "period_end": date(2026, 1, 31)}
    EvidenceExport.objects.create(requested_by=auditor_user, status="running", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        EvidenceExport.objects.create(requested_by=auditor_user, **fields)
    EvidenceExport.objects.create(requested_by=auditor_user, status="done", **fields)


@pytest.mark.parametrize("path", ["/evidence/", "/evidence/exports/1/download/"])
def test_staff_cannot_export_evidence(staff_client, path: str) -> None:  # type: ignore[no-untyped-def]
    assert staff_client.get(path).status_code == 403
    assert staff_client.post(path, {"start": "2026-01-01", "end": "2026-01-31"}).status_code in (
        403,
        405,
    )
    assert not EvidenceExport.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": "2026-02-30", "end": "2026-03-31"}, "Enter a valid date."),
        ({"start": "01/02/2026", "end": "2026-03-31"}, "Enter a valid date."),
        ({"start": "", "end": "2026-03-31"}, "This field is required."),
        ({"start": "2026-03-31", "end": "2026-01-01"}, "The end date is before the start date."),
    ],
)
def test_invalid_dates_give_a_clear_message_and_start_nothing(
    auditor_client, queued, data: dict[str, str], message: str
) -> None:  # type: ignore[no-untyped-def]
    response = auditor_client.post("/evidence/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "No export was started" in page
    assert message in page
    assert not EvidenceExport.objects.exists() and not queued


@pytest.mark.parametrize("path", ["/evidence/", "/evidence/exports/1/download/"])
def test_anonymous_users_are_sent_to_login(client, path: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
