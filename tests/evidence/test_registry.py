"""Each app contributes its own evidence files; the export writes whatever is registered."""

from __future__ import annotations

import json

import pytest

from evidence import registry
from evidence.archive import build_evidence_zip
from lib.evidence_files import EvidenceFile
from tests.evidence.conftest import NOW, PERIOD, read_csv, read_zip
from tests.evidence.test_export import CSV_FILES

pytestmark = pytest.mark.django_db


def test_each_file_comes_from_the_app_that_owns_its_data() -> None:
    owners = {file.name: file.rows.__module__ for file in registry.evidence_files()}
    assert list(owners) == CSV_FILES
    assert owners["incidents.csv"] == owners["data_loss_history.csv"] == "incidents.evidence"
    assert owners["special_cases.csv"] == owners["failing_items.csv"] == "checks.evidence"
    assert owners["sync_runs.csv"] == owners["services.csv"] == "integrations.evidence"
    assert owners["connections.csv"] == "integrations.evidence"
    assert owners["sla_policy.csv"] == "incidents.evidence"
    assert owners["audit_log.csv"] == "audit.evidence"
    assert owners["alerts.csv"] == "alerts.evidence"
    assert owners["accounts.csv"] == "access.evidence"
    assert owners["staff.csv"] == owners["staff_history.csv"] == "access.staff_evidence"
    assert owners["access_reviews.csv"] == "access.review_evidence"
    assert owners["library_teams.csv"] == owners["library_contacts.csv"] == "library.evidence"


def test_a_registered_file_reaches_the_zip_the_manifest_and_the_page(
    monkeypatch, admin_user, auditor_client
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(registry, "_FILES", {})
    registry.register(
        EvidenceFile(
            name="example_sign_offs.csv",
            description="Sign-offs of the period's access reviews.",
            header=("review", "period_start"),
            rows=lambda export: [("Q1", export.period.start)],
            order=1000,
        )
    )
    with build_evidence_zip(period=PERIOD, generated_by=admin_user, now=NOW) as file:
        archive = read_zip(file.read())
    assert read_csv(archive, "example_sign_offs.csv") == [
        {"review": "Q1", "period_start": PERIOD.start.isoformat()}
    ]
    manifest = json.loads(archive.read("manifest.json"))
    last = manifest["files"][len(CSV_FILES)]
    assert last["name"] == "example_sign_offs.csv" and last["rows"] == 1
    assert last["description"] == "Sign-offs of the period's access reviews."
    page = auditor_client.get("/evidence/").content.decode()
    assert "Sign-offs of the period&#x27;s access reviews." in page


def test_the_page_lists_exactly_the_files_the_zip_holds(auditor_client, auditor_user) -> None:  # type: ignore[no-untyped-def]
    import re

    page = auditor_client.get("/evidence/").content.decode()
    listed = re.findall(r"<tr><td><code>([^<]+)</code></td>", page)
    with build_evidence_zip(period=PERIOD, generated_by=auditor_user) as file:
        archive = read_zip(file.read())
    assert listed == [*CSV_FILES, "manifest.json"]
    assert sorted(archive.namelist()) == sorted(listed)


def test_two_files_of_the_same_name_are_refused(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(registry, "_FILES", {})
    made = [
        EvidenceFile(name="x.csv", description=n, header=(), rows=lambda e: [], order=1)
        for n in ("one", "two")
    ]
    registry.register(made[0])
    with pytest.raises(ValueError, match="x.csv"):
        registry.register(made[1])
