from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from evidence.archive import build_evidence_zip
from lib.evidence_files import Period
from library.kinds import declared_kinds
from tests.evidence.conftest import API_KEY, EVIL_TITLE, NOW, PERIOD, read_csv, read_zip

pytestmark = pytest.mark.django_db

CSV_FILES = [
    "incidents.csv",
    "incident_entries.csv",
    "check_status_history.csv",
    "failing_items.csv",
    "special_cases.csv",
    "data_loss_reports.csv",
    "data_loss_history.csv",
    "incident_changes.csv",
    "alerts.csv",
    "sync_runs.csv",
    "services.csv",
    "connections.csv",
    "sla_policy.csv",
    "audit_log.csv",
    "staff.csv",
    "staff_history.csv",
    "accounts.csv",
    "access_reviews.csv",
    # The Data library's: one per configuration kind the providers declare, in their order
    # (their services are in services.csv).
    *(f"library_{k.name}.csv" for _slug, k in declared_kinds() if not k.holds_services),
]


@pytest.fixture
def archive(dataset, admin_user):  # type: ignore[no-untyped-def]
    with build_evidence_zip(period=PERIOD, generated_by=admin_user, now=NOW) as file:
        return read_zip(file.read())


def test_the_zip_holds_every_csv_the_manifest_and_the_attachment(archive, dataset) -> None:  # type: ignore[no-untyped-def]
    attachment = f"special_case_attachments/{dataset['excepted'].pk}-board_minutes.pdf"
    assert sorted(archive.namelist()) == sorted([*CSV_FILES, "manifest.json", attachment])
    assert archive.read(attachment) == b"%PDF-1.4 board minutes"
    assert archive.testzip() is None


def test_the_manifest_hashes_and_sizes_match_the_files(archive) -> None:  # type: ignore[no-untyped-def]
    manifest = json.loads(archive.read("manifest.json"))
    listed = {entry["name"]: entry for entry in manifest["files"]}
    assert set(listed) == set(archive.namelist()) - {"manifest.json"}
    for name, entry in listed.items():
        data = archive.read(name)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert entry["size"] == len(data), name
    assert [entry["name"] for entry in manifest["files"]][: len(CSV_FILES)] == CSV_FILES
    assert listed["incidents.csv"]["rows"] == 2


def test_the_manifest_says_when_for_which_period_and_by_whom(archive, admin_user) -> None:  # type: ignore[no-untyped-def]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["generated_at"] == "2026-04-02T09:30:00+00:00"
    assert manifest["generated_by"] == {"id": admin_user.pk, "username": "alice-admin"}
    assert manifest["period"]["start"] == "2026-01-01"
    assert manifest["period"]["end"] == "2026-03-31"
    assert manifest["period"]["from"] == "2026-01-01T00:00:00+00:00"
    assert manifest["period"]["until_exclusive"] == "2026-04-01T00:00:00+00:00"


def test_incidents_are_those_created_in_the_period_with_every_field(archive, dataset) -> None:  # type: ignore[no-untyped-def]
    rows = read_csv(archive, "incidents.csv")
    assert [row["upstream_id"] for row in rows] == ["in-1", "in-2"]
    first, last = rows
    assert first["title"] == "'" + EVIL_TITLE
    assert first["description"] == "'+ALERT"
    assert first["source"] == "opsgenie"
    assert first["number"] == "in-1"
    assert first["priority"] == "High" and first["raw_priority"] == "P1"
    assert first["services"] == "checkout, payments"
    assert first["created_at"] == "2026-02-01T10:00:00+00:00"
    assert first["impact_start"] == "2026-02-01T09:45:00+00:00"
    assert first["upstream_url"] == "https://example.app.opsgenie.com/incident/detail/in-1"
    assert first["deleted_upstream"] == "no"
    assert first["data_lost"] == "Yes"
    assert last["deleted_upstream"] == "yes"
    assert last["deleted_upstream_at"] == "2026-04-01T03:00:00+00:00"
    assert last["status"] == "resolved"
    assert last["data_lost"] == "Not assessed (no report)"


def test_check_status_history_lists_changes_in_the_period_with_the_check_title(archive) -> None:  # type: ignore[no-untyped-def]
    rows = read_csv(archive, "check_status_history.csv")
    assert rows == [
        {
            "check_key": "incident-closed",
            "check_title": "Reported incident should be closed",
            "at": "2026-02-01T10:05:00+00:00",
            "event": "Evaluated",
            "by": "",
            "detail": "",
            "previous_status": "passing",
            "status": "failing",
            "failing_count": "2",
            "special_case_count": "0",
            "checked_count": "4",
            "reason": "sync opsgenie",
        }
    ]


def test_failing_items_are_current_and_say_which_are_under_a_special_case(archive, dataset) -> None:  # type: ignore[no-untyped-def]
    rows = {row["item_key"]: row for row in read_csv(archive, "failing_items.csv")}
    inside = rows[f"incident:{dataset['inside'].pk}"]
    excepted = rows[f"incident:{dataset['before'].pk}"]
    assert inside["item"] == "'" + EVIL_TITLE
    assert inside["reason"] == "Open for 60 days"
    assert inside["failing_since"] == "2026-02-01T10:05:00+00:00"
    assert inside["under_special_case"] == "no"
    assert inside["check_title"] == "Reported incident should be closed"
    assert excepted["under_special_case"] == "yes"
    assert excepted["special_case_id"] == str(dataset["excepted"].pk)
    assert excepted["special_case_expires_at"] == "2026-06-30T00:00:00+00:00"


def test_special_cases_are_those_in_force_during_the_period(archive, dataset) -> None:  # type: ignore[no-untyped-def]
    rows = read_csv(archive, "special_cases.csv")
    assert len(rows) == 1
    (row,) = rows
    assert row["reason"] == "Tracked in the change board"
    assert row["created_by"] == "alice-admin"
    assert row["created_at"] == "2026-01-10T00:00:00+00:00"
    assert row["expires_at"] == "2026-06-30T00:00:00+00:00"
    assert row["ended_at"] == ""
    assert row["attachment_file_name"] == "board_minutes.pdf"
    assert row["attachment_in_zip"] == (
        f"special_case_attachments/{dataset['excepted'].pk}-board_minutes.pdf"
    )


def test_an_attachment_missing_from_storage_is_reported_not_fatal(dataset, admin_user) -> None:  # type: ignore[no-untyped-def]
    dataset["excepted"].attachment.storage.delete(dataset["excepted"].attachment.name)
    with build_evidence_zip(period=PERIOD, generated_by=admin_user, now=NOW) as file:
        archive = read_zip(file.read())
    (row,) = read_csv(archive, "special_cases.csv")
    assert row["attachment_in_zip"] == "missing from storage"
    assert not [n for n in archive.namelist() if n.startswith("special_case_attachments/")]


def test_data_loss_reports_are_those_of_the_periods_incidents(archive, dataset) -> None:  # type: ignore[no-untyped-def]
    rows = read_csv(archive, "data_loss_reports.csv")
    assert len(rows) == 1
    (row,) = rows
    assert row["incident_id"] == str(dataset["inside"].pk)
    assert row["incident_title"] == "'" + EVIL_TITLE
    assert row["data_lost"] == "Yes"
    assert row["what_happened"] == "'-Export of customer table"
    assert row["categories"] == "Personal data"
    assert row["people_affected"] == "120"
    assert row["records_affected"] == ""
    assert row["customers_notified_on"] == "2026-02-05"


def test_data_loss_history_shows_who_when_and_before_to_after(archive, dataset) -> None:  # type: ignore[no-untyped-def]
    rows = read_csv(archive, "data_loss_history.csv")
    changes = [
        (r["changed_at"], r["changed_by"], r["change_type"], r["field"], r["before"], r["after"])
        for r in rows
    ]
    assert changes == [
        ("2026-02-02T08:00:00+00:00", "carol-staff", "Created", "data_lost", "", "Not assessed"),
        ("2026-02-03T09:00:00+00:00", "alice-admin", "Changed", "data_lost", "Not assessed", "Yes"),
        (
            "2026-02-03T09:00:00+00:00",
            "alice-admin",
            "Changed",
            "what_happened",
            "",
            "'-Export of customer table",
        ),
        ("2026-02-03T09:00:00+00:00", "alice-admin", "Changed", "categories", "", "Personal data"),
        ("2026-02-05T16:00:00+00:00", "carol-staff", "Changed", "people_affected", "", "120"),
        (
            "2026-02-05T16:00:00+00:00",
            "carol-staff",
            "Changed",
            "customers_notified_on",
            "",
            "2026-02-05",
        ),
    ]
    assert {r["report_id"] for r in rows} == {str(dataset["report"].pk)}
    assert rows[1]["field_label"] == "Was data lost or exposed?"


def test_sync_runs_are_those_started_in_the_period(archive) -> None:  # type: ignore[no-untyped-def]
    rows = read_csv(archive, "sync_runs.csv")
    assert len(rows) == 1
    (row,) = rows
    assert row["provider"] == "opsgenie"
    assert row["region"] == "eu"
    assert row["trigger"] == "Schedule"
    assert row["kind"] == "Incremental"
    assert row["started_at"] == "2026-03-01T12:00:00+00:00"
    assert row["finished_at"] == "2026-03-01T12:00:42+00:00"
    assert row["duration_seconds"] == "42.0"
    assert (row["incidents_fetched"], row["incidents_created"], row["incidents_updated"]) == (
        "7",
        "2",
        "1",
    )
    assert row["incidents_unchanged"] == "4"
    assert row["http_calls"] == "3"
    assert row["retries"] == "1"
    assert row["outcome"] == "Failed"
    assert row["error"] == "'@upstream said 503"


def test_no_cell_anywhere_starts_with_a_formula_trigger(archive) -> None:  # type: ignore[no-untyped-def]
    for name in CSV_FILES:
        for row in read_csv(archive, name):
            for value in row.values():
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), (name, value)


def test_no_credential_appears_anywhere_in_the_zip(archive, dataset) -> None:  # type: ignore[no-untyped-def]
    encrypted = type(dataset["connection"]).objects.values_list("credentials", flat=True)
    for name in archive.namelist():
        data = archive.read(name)
        assert API_KEY.encode() not in data, name
        assert b"api_key" not in data, name
        assert b"credentials" not in data, name
    assert list(encrypted)  # the key really is stored, so the test means something


def test_a_narrower_period_leaves_out_what_falls_outside(dataset, admin_user) -> None:  # type: ignore[no-untyped-def]
    period = Period(start=date(2026, 3, 31), end=date(2026, 3, 31))
    with build_evidence_zip(period=period, generated_by=admin_user, now=NOW) as file:
        archive = read_zip(file.read())
    assert [r["upstream_id"] for r in read_csv(archive, "incidents.csv")] == ["in-2"]
    assert read_csv(archive, "check_status_history.csv") == []
    assert read_csv(archive, "data_loss_reports.csv") == []
    assert read_csv(archive, "data_loss_history.csv") == []
    assert read_csv(archive, "sync_runs.csv") == []
    # Still in force on the 31st (expires in June).
    assert len(read_csv(archive, "special_cases.csv")) == 1
    # The current state does not depend on the period.
    assert len(read_csv(archive, "failing_items.csv")) == 2


def test_an_empty_database_gives_header_only_files(admin_user) -> None:  # type: ignore[no-untyped-def]
    with build_evidence_zip(period=PERIOD, generated_by=admin_user, now=NOW) as file:
        archive = read_zip(file.read())
    for name in CSV_FILES:
        if name == "sla_policy.csv":
            continue  # some policy is always in force: the defaults, until one is saved
        raw = archive.read(name).decode("utf-8-sig")
        assert raw.count("\r\n") == 1, name
    (policy,) = read_csv(archive, "sla_policy.csv")
    assert policy["event"].startswith("Defaults in force at the period start")
    assert (policy["high_sla_hours"], policy["low_sla_hours"]) == ("24", "168")


def test_the_default_period_is_the_last_90_days_including_today() -> None:
    period = Period.default(today=date(2026, 3, 31))
    assert (period.start, period.end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert period.filename == "evidence-2026-01-01-to-2026-03-31.zip"


def test_services_say_whether_their_incidents_count(admin_user) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from integrations.models import ProviderService
    from tests.conftest import make_connection

    connection = make_connection(provider="pagerduty", api_key=API_KEY)
    connection.service_ids = ["PCHOSEN"]
    connection.save()
    for upstream_id, name in (("PCHOSEN", "=HYPERLINK(1)"), ("POTHER", "Billing")):
        ProviderService.objects.create(
            connection=connection, upstream_id=upstream_id, name=name, synced_at=timezone.now()
        )
    with build_evidence_zip(period=PERIOD, generated_by=admin_user, now=NOW) as file:
        rows = read_csv(read_zip(file.read()), "services.csv")
    assert [(r["upstream_id"], r["incidents_count"]) for r in rows] == [
        ("PCHOSEN", "yes"),
        ("POTHER", "no"),
    ]
    assert rows[0]["name"] == "'=HYPERLINK(1)"  # neutralised for spreadsheets
    assert API_KEY not in str(rows)
