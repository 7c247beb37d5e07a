"""The evidence ZIP's audit files: the log of the period, every integration, and the SLA policy
in force with its changes; and each download is itself recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.db import connection as db
from django.utils import timezone

from audit.models import EvidenceDownload
from evidence.archive import build_evidence_zip
from evidence.build import export_build
from evidence.models import EvidenceExport
from incidents.models import IncidentPolicy
from integrations.services import connection_disconnect
from lib.evidence_files import Period
from tests.conftest import make_connection
from tests.evidence.conftest import read_csv, read_zip

pytestmark = pytest.mark.django_db

KEY = "9a8b7c6d-ZIP-AUDIT-key-never-exported-1234"


def _zip(period: Period, user) -> object:  # type: ignore[no-untyped-def]
    with build_evidence_zip(period=period, generated_by=user) as file:
        return read_zip(file.read())


def _ciphertexts() -> list[str]:
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials FROM integrations_connection")
        return [raw for (raw,) in cursor.fetchall()]


def test_a_download_is_recorded_with_who_and_which_period(  # type: ignore[no-untyped-def]
    auditor_client, auditor_user, settings, tmp_path
) -> None:
    settings.EVIDENCE_EXPORT_DIR = str(tmp_path)
    export = EvidenceExport.objects.create(
        period_start=date(2026, 1, 1), period_end=date(2026, 3, 31), requested_by=auditor_user
    )
    export_build(export_id=export.pk)
    response = auditor_client.get(f"/evidence/exports/{export.pk}/download/")
    assert response.status_code == 200
    download = EvidenceDownload.objects.get()
    assert (download.period_start, download.period_end) == (date(2026, 1, 1), date(2026, 3, 31))
    assert download.downloaded_by.get_username() == "bob-auditor"
    page = auditor_client.get("/audit-log/").content.decode()
    assert "<td>Downloaded</td>" in page and "<td>bob-auditor</td>" in page
    assert "Period start:</span> — → 1 Jan 2026" in page
    assert "Period end (included):</span> — → 31 Mar 2026" in page


def test_starting_an_export_records_no_download(auditor_client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("evidence.tasks.async_task", lambda *a, **k: "task")
    assert auditor_client.post("/evidence/", {"start": "2026-01-01", "end": "2026-03-31"})
    assert auditor_client.post("/evidence/", {"start": "2026-03-01", "end": "2026-01-01"})
    assert not EvidenceDownload.objects.exists()


def test_the_zip_holds_the_period_s_audit_log_without_secrets(admin_user, auditor_user) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection(api_key=KEY)
    with set_actor(admin_user):
        connection.sync_interval_minutes = 240
        connection.save()
        connection.set_credentials({"api_key": KEY[::-1]}, hint=KEY[::-1][-4:])
        connection.save()
    today = timezone.localdate()
    archive = _zip(Period(start=today, end=today), auditor_user)
    rows = read_csv(archive, "audit_log.csv")
    frequency = next(row for row in rows if "60 → 240" in row["changes"])
    assert (frequency["who"], frequency["action"], frequency["object"]) == (
        "alice-admin",
        "Changed",
        "OpsGenie",
    )
    assert frequency["changes"] == "Sync frequency (minutes): 60 → 240"
    replaced = next(row for row in rows if row["action"] == "Key or authorization replaced")
    assert "Key or authorization: hidden → replaced (not recorded)" in replaced["changes"]
    connected = next(row for row in rows if row["action"] == "Connected")
    assert connected["who"] == "System"
    raw = archive.read("audit_log.csv").decode("utf-8-sig")
    for secret in (KEY, KEY[::-1], *_ciphertexts()):
        assert secret not in raw
    # A period without entries has none.
    assert (
        read_csv(
            _zip(Period(start=date(2020, 1, 1), end=date(2020, 1, 2)), auditor_user),
            "audit_log.csv",
        )
        == []
    )  # noqa: E501


def test_the_zip_lists_every_integration_with_who_connected_and_disconnected_it(
    admin_user, auditor_user
) -> None:  # type: ignore[no-untyped-def]
    opsgenie = make_connection(api_key=KEY)
    opsgenie.connected_by = admin_user
    opsgenie.save()
    pagerduty = make_connection(provider="pagerduty", region="eu", api_key=KEY)
    pagerduty.service_ids = ["PSVC001"]
    pagerduty.save()
    connection_disconnect(connection=pagerduty, user=auditor_user)
    today = timezone.localdate()
    archive = _zip(Period(start=today, end=today), auditor_user)
    by_provider = {row["provider"]: row for row in read_csv(archive, "connections.csv")}
    assert by_provider["opsgenie"]["name"] == "OpsGenie"
    assert by_provider["opsgenie"]["status"] == "Connected"
    assert by_provider["opsgenie"]["connected_by"] == "alice-admin"
    assert by_provider["opsgenie"]["chosen_services"] == "all"
    assert by_provider["opsgenie"]["disconnected_at"] == ""
    disconnected = by_provider["pagerduty"]
    assert (disconnected["status"], disconnected["region"]) == ("Disconnected", "eu")
    assert disconnected["disconnected_by"] == "bob-auditor"
    assert disconnected["disconnected_at"].startswith(today.isoformat())
    assert disconnected["chosen_services"] == "PSVC001"
    assert disconnected["sign_in_method"] == "API key"
    raw = archive.read("connections.csv").decode("utf-8-sig")
    # The disconnect erased PagerDuty's key; OpsGenie's ciphertext is still not exported.
    assert sorted(_ciphertexts())[0] == ""
    for secret in (KEY, *filter(None, _ciphertexts())):
        assert secret not in raw


def _save_policy(policy: IncidentPolicy, user, when: datetime, **values: object) -> None:  # type: ignore[no-untyped-def]
    for name, value in values.items():
        setattr(policy, name, value)
    policy._history_user = user  # type: ignore[attr-defined]
    policy._history_date = when  # type: ignore[attr-defined]
    policy.save()


def test_the_zip_holds_the_sla_policy_in_force_and_its_changes(admin_user, auditor_user) -> None:  # type: ignore[no-untyped-def]
    policy = IncidentPolicy(pk=1)
    _save_policy(policy, admin_user, datetime(2025, 11, 5, 9, 0, tzinfo=UTC), high_sla_hours=48)
    _save_policy(policy, admin_user, datetime(2026, 2, 10, 14, 30, tzinfo=UTC), high_sla_hours=8)
    _save_policy(policy, None, datetime(2026, 3, 1, 8, 0, tzinfo=UTC), low_sla_hours=120)
    _save_policy(policy, admin_user, datetime(2026, 5, 1, 8, 0, tzinfo=UTC), low_sla_hours=1)
    archive = _zip(Period(start=date(2026, 1, 1), end=date(2026, 3, 31)), auditor_user)
    at_start, first, second = read_csv(archive, "sla_policy.csv")
    assert at_start["event"] == "In force at the period start"
    assert at_start["in_force_from"] == "2025-11-05T09:00:00+00:00"
    assert (at_start["high_sla_hours"], at_start["changed_by"]) == ("48", "alice-admin")
    assert first["event"] == "Changed" and first["in_force_from"] == "2026-02-10T14:30:00+00:00"
    assert first["high_sla_hours"] == "8" and first["changed_by"] == "alice-admin"
    assert first["changes"] == "High priority SLA (hours): 48 → 8"
    assert second["changed_by"] == "System" and second["low_sla_hours"] == "120"
    assert second["changes"] == "Low priority SLA (hours): 168 → 120"


def test_sla_policy_changes_reach_the_audit_log_too(admin_user) -> None:  # type: ignore[no-untyped-def]
    policy = IncidentPolicy.current()
    assert not LogEntry.objects.get_for_model(IncidentPolicy).exists()  # defaults: nobody's
    with set_actor(admin_user):
        policy.medium_sla_hours = 48
        policy.save()
    (entry,) = LogEntry.objects.get_for_model(IncidentPolicy)
    assert entry.actor == admin_user and entry.changes_dict == {"medium_sla_hours": ["72", "48"]}
