"""The Data library's files in the evidence export: one CSV per configuration kind, each object
as of the export with its relations, those removed upstream marked with the date; listed in the
manifest; and an auditor's export carries them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from evidence.archive import build_evidence_zip
from evidence.models import EvidenceExport
from integrations.providers.opsgenie.config_mapping import config_record
from library.kinds import declared_kinds
from library.models import LibraryObject
from library.store import LibraryStore
from tests.conftest import make_connection
from tests.evidence.conftest import NOW, PERIOD, read_csv, read_zip, run_queued

pytestmark = pytest.mark.django_db

REMOVED_AT = datetime(2026, 3, 15, 8, 0, tzinfo=UTC)


@pytest.fixture
def library(db):  # type: ignore[no-untyped-def]
    """Two teams (one since removed upstream), a routing rule of the first, a user's contact."""
    connection = make_connection(region="eu")
    team = {"id": "t1", "name": "Platform", "members": [
        {"user": {"id": "u1", "username": "ann@example.com"}, "role": "admin"}]}  # fmt: skip
    gone = {"id": "t2", "name": "=Old team", "members": []}
    LibraryStore("teams").save(
        connection=connection,
        records=[config_record("teams", "t1", team), config_record("teams", "t2", gone)],
    )
    LibraryObject.objects.filter(upstream_id="t2").update(
        removed_upstream=True, removed_at=REMOVED_AT
    )
    rule = {"id": "r1", "name": "Default", "notify": {"type": "none"},
            "_team": {"id": "t1", "name": "Platform"}}  # fmt: skip
    LibraryStore("routing_rules").save(
        connection=connection, records=[config_record("routing_rules", "r1", rule)]
    )
    contact = {"id": "c1", "method": "sms", "to": "1-555", "status": {"enabled": False},
               "_user": {"id": "u1", "username": "ann@example.com"}}  # fmt: skip
    LibraryStore("contacts").save(
        connection=connection, records=[config_record("contacts", "c1", contact)]
    )
    return connection


def test_each_kind_has_its_csv_with_the_objects_and_the_removed_marked(admin_user, library) -> None:  # type: ignore[no-untyped-def]
    with build_evidence_zip(period=PERIOD, generated_by=admin_user, now=NOW) as file:
        archive = read_zip(file.read())

    teams = read_csv(archive, "library_teams.csv")
    rules = read_csv(archive, "library_routing_rules.csv")
    contacts = read_csv(archive, "library_contacts.csv")

    assert [(t["name"], t["removed_upstream"], t["removed_upstream_at"]) for t in teams] == [
        ("'=Old team", "yes", "2026-03-15T08:00:00+00:00"),  # neutralised for spreadsheets
        ("Platform", "no", ""),
    ]
    platform = teams[1]
    assert (platform["source"], platform["region"], platform["kind"]) == ("OpsGenie", "eu", "team")
    assert platform["relations"] == "member: ann@example.com (admin)"
    assert json.loads(platform["upstream_fields"])["members"][0]["role"] == "admin"
    assert [(r["name"], r["team"], r["state"]) for r in rules] == [
        ("Default", "Platform", "nobody")
    ]
    assert rules[0]["relations"] == "team: Platform"
    assert [(c["name"], c["state"]) for c in contacts] == [("sms — ann@example.com", "disabled")]
    assert read_csv(archive, "library_maintenances.csv") == []  # a kind with nothing synced
    assert set(archive.namelist()) >= {
        f"library_{k.name}.csv" for _s, k in declared_kinds() if not k.holds_services
    }
    # Services are in services.csv, once, not again as a library file.
    assert "services.csv" in archive.namelist()
    assert not {"library_opsgenie_services.csv", "library_pagerduty_services.csv"} & set(
        archive.namelist()
    )


def test_the_manifest_lists_each_library_file_with_its_rows(admin_user, library) -> None:  # type: ignore[no-untyped-def]
    with build_evidence_zip(period=PERIOD, generated_by=admin_user, now=NOW) as file:
        manifest = json.loads(read_zip(file.read()).read("manifest.json"))

    listed = {entry["name"]: entry for entry in manifest["files"]}
    assert listed["library_teams.csv"]["rows"] == 2
    assert listed["library_routing_rules.csv"]["rows"] == 1
    assert "removed upstream are included" in listed["library_teams.csv"]["description"]


def test_an_auditor_exports_them(auditor_client, start_export, queued, library) -> None:  # type: ignore[no-untyped-def]
    answer = start_export(auditor_client, "2026-01-01", "2026-03-31")
    run_queued(queued)
    export = EvidenceExport.objects.get()
    download = auditor_client.get(f"/evidence/exports/{export.pk}/download/")
    archive = read_zip(b"".join(download.streaming_content))

    assert answer.status_code in (200, 302) and export.status == "done"
    assert [t["upstream_id"] for t in read_csv(archive, "library_teams.csv")] == ["t2", "t1"]
    page = auditor_client.get("/evidence/").content.decode()
    assert "library_routing_rules.csv" in page


def test_policies_overrides_incident_rules_and_templates_have_their_csvs(admin_user, db) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection()
    policy = {"id": "p1", "name": "P1 first", "type": "alert", "enabled": False, "order": 1,
              "_team": {"id": "t1", "name": "Platform"}}  # fmt: skip
    override = {"alias": "a1", "user": {"type": "user", "id": "u1", "username": "ann@x.io"},
                "_schedule": {"id": "s1", "name": "Platform on call",
                              "ownerTeam": {"id": "t1", "name": "Platform"}}}  # fmt: skip
    rule = {"id": "ir1", "incidentProperties": {"message": "Checkout down", "priority": "P1"},
            "_service": {"id": "svc-1", "name": "Checkout"}}  # fmt: skip
    templates = [{"id": f"it{n}", "name": f"Template {n}", "priority": "P3"} for n in (1, 2)]
    for kind, upstream_id, raw in (
        ("alert_policies", "p1", policy),
        ("schedule_overrides", "s1:a1", override),
        ("incident_rules", "ir1", rule),
    ):
        LibraryStore(kind).save(
            connection=connection, records=[config_record(kind, upstream_id, raw)]
        )
    LibraryStore("incident_templates").save(
        connection=connection,
        records=[config_record("incident_templates", t["id"], t) for t in templates],
    )
    LibraryObject.objects.filter(upstream_id="it2").update(
        removed_upstream=True, removed_at=REMOVED_AT
    )

    with build_evidence_zip(period=PERIOD, generated_by=admin_user, now=NOW) as file:
        archive = read_zip(file.read())
    manifest = {e["name"]: e for e in json.loads(archive.read("manifest.json"))["files"]}

    (policy_row,) = read_csv(archive, "library_alert_policies.csv")
    (override_row,) = read_csv(archive, "library_schedule_overrides.csv")
    (rule_row,) = read_csv(archive, "library_incident_rules.csv")
    rows = read_csv(archive, "library_incident_templates.csv")
    assert (policy_row["name"], policy_row["team"], policy_row["state"]) == (
        "P1 first", "Platform", "disabled"
    )  # fmt: skip
    assert policy_row["kind"] == "alert policy" and policy_row["relations"] == "team: Platform"
    assert override_row["name"] == "ann@x.io on Platform on call"
    assert override_row["relations"] == "overrides: Platform on call; user: ann@x.io"
    assert (rule_row["state"], rule_row["relations"]) == ("P1", "service: Checkout")
    assert [(r["name"], r["removed_upstream"], r["removed_upstream_at"]) for r in rows] == [
        ("Template 1", "no", ""),
        ("Template 2", "yes", "2026-03-15T08:00:00+00:00"),
    ]
    assert manifest["library_incident_templates.csv"]["rows"] == 2
