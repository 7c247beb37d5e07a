"""Two people saving one incident's data-loss report at once (issue 12): never a 500, never a
change lost silently. The race is set up deterministically (the other report is saved between
this form's validation and its save); on PostgreSQL two real threads race as well."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.test import Client

from checks.engine import evaluate
from incidents import services
from incidents.models import DataLossReport, Incident
from tests.checks.conftest import make
from tests.races import posted_at_once

pytestmark = pytest.mark.django_db
on_postgres = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="two writers at once need PostgreSQL (DATABASE_URL=postgres://…)",
)


def _post(client: Client, incident: Incident, version: int, **data: object):  # type: ignore[no-untyped-def]
    values = {"data_lost": "yes", "records_affected": "", "people_affected": "", **data}
    return client.post(
        f"/incidents/{incident.pk}/data-loss/",
        {**values, "version": version},
        HTTP_HX_REQUEST="true",
    )


def _saved_meanwhile(monkeypatch, incident: Incident, user, **fields) -> None:  # type: ignore[no-untyped-def]
    """Someone else's report of ``incident`` is saved after the next form is validated and
    just before it is saved: the race a double click or two people cause."""
    real = services.data_loss_report_save

    def racing(*, form):  # type: ignore[no-untyped-def]
        report = DataLossReport(incident_id=incident.pk, **fields)
        report._history_user = user  # type: ignore[attr-defined]
        report.save()
        return real(form=form)

    monkeypatch.setattr("incidents.detail_views.data_loss_report_save", racing)


def test_a_first_report_saved_meanwhile_is_joined_when_nothing_conflicts(
    staff_client, admin_user, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1)
    _saved_meanwhile(
        monkeypatch, incident, admin_user, data_lost="yes", what_happened="Export bucket public"
    )
    response = _post(staff_client, incident, 0, categories=["personal"], people_affected="40")
    page = response.content.decode()
    assert response.status_code == 200
    assert "alice-admin saved this incident&#x27;s first report meanwhile" in page
    report = DataLossReport.objects.get()
    assert (report.what_happened, report.categories, report.people_affected) == (
        "Export bucket public",
        ["personal"],
        40,
    )
    assert report.version == 2
    # The history names each person with what they changed.
    users = report.history.order_by("history_date").values_list("history_user__username")
    assert [user for (user,) in users] == ["alice-admin", "carol-staff"]
    assert "Personal data" in page and "Export bucket public" in page


def test_a_first_report_that_disagrees_is_shown_again_with_what_was_typed(
    staff_client, admin_user, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1)
    _saved_meanwhile(
        monkeypatch, incident, admin_user, data_lost="yes", what_happened="Export bucket public"
    )
    response = _post(staff_client, incident, 0, what_happened="Laptop stolen in Lyon")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Changed by alice-admin meanwhile — review and save again." in page
    assert "Laptop stolen in Lyon</textarea>" in page
    assert 'name="version" value="1"' in page  # saving again overwrites, knowingly
    report = DataLossReport.objects.get()
    assert (report.what_happened, report.version, report.history.count()) == (
        "Export bucket public",
        1,
        1,
    )
    monkeypatch.undo()
    _post(staff_client, incident, 1, what_happened="Laptop stolen in Lyon")
    assert DataLossReport.objects.get().what_happened == "Laptop stolen in Lyon"


def test_a_first_report_saved_before_the_form_was_sent_is_joined_too(
    staff_client, admin_user, connection
) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1)
    first = DataLossReport(incident=incident, data_lost="yes", what_happened="Bucket public")
    first._history_user = admin_user  # type: ignore[attr-defined]
    first.save()
    _post(staff_client, incident, 0, what_happened="Bucket public", records_affected="7")
    report = DataLossReport.objects.get()
    assert (report.what_happened, report.records_affected, report.version) == (
        "Bucket public",
        7,
        2,
    )


def test_an_edit_over_a_newer_version_is_refused_and_changes_nothing(
    staff_client, admin_client, connection
) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1)
    _post(staff_client, incident, 0, what_happened="Bucket public")
    # Both load version 1; the admin saves first.
    _post(admin_client, incident, 1, what_happened="Bucket public for two hours")
    response = _post(staff_client, incident, 1, what_happened="Bucket public, 40 people")
    page = response.content.decode()
    assert "Changed by alice-admin meanwhile — review and save again." in page
    assert "Bucket public, 40 people</textarea>" in page and 'name="version" value="2"' in page
    report = DataLossReport.objects.get()
    assert (report.what_happened, report.version, report.history.count()) == (
        "Bucket public for two hours",
        2,
        2,
    )


def test_an_edit_without_its_version_is_refused_with_a_message(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1)
    _post(staff_client, incident, 0, what_happened="Bucket public")
    page = staff_client.post(
        f"/incidents/{incident.pk}/data-loss/",
        {"data_lost": "yes", "what_happened": "Bucket public for a week"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "This form has no version: reload the page and save again." in page
    assert "Bucket public for a week</textarea>" in page
    assert DataLossReport.objects.get().what_happened == "Bucket public"


def test_the_page_carries_the_version_it_shows(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    incident = make(connection, 1)
    assert (
        'name="version" value="0"'
        in staff_client.get(f"/incidents/{incident.pk}/").content.decode()
    )
    _post(staff_client, incident, 0, what_happened="Bucket public")
    page = staff_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'name="version" value="1"' in page
    assert "Version" not in page  # bookkeeping, never a change in the history


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_reports_sent_at_the_same_moment_keep_both_texts(
    staff_user, admin_user, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Two threads, two database connections: both read "no report yet", both validate, then
    both insert at once. The database lets one in; the other is told, its text shown again."""
    incident = make(connection, 1)
    evaluate()
    both_validated = threading.Barrier(2, timeout=10)
    real = services._insert_first

    def insert_together(form):  # type: ignore[no-untyped-def]
        both_validated.wait()
        return real(form)

    monkeypatch.setattr(services, "_insert_first", insert_together)
    texts = {staff_user: "Laptop stolen in Lyon", admin_user: "Export bucket public"}
    pages = posted_at_once(
        {
            user: lambda client, text=text: _post(client, incident, 0, what_happened=text)
            for user, text in texts.items()
        }
    )
    assert sorted(status for status, _page in pages.values()) == [200, 200]
    report = DataLossReport.objects.get()
    winner = report.history.get().history_user
    loser = admin_user if winner == staff_user else staff_user
    assert report.what_happened == texts[winner]
    loser_page = pages[loser.get_username()][1]
    assert f"Changed by {winner.get_username()} meanwhile — review and save again." in loser_page
    assert f"{texts[loser]}</textarea>" in loser_page
