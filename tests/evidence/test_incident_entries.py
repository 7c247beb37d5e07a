"""``incident_entries.csv``: the notes, log and timeline entries of the period's incidents (and
of no other), oldest first per incident, removed ones marked, formulas neutralised, listed in
the manifest."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from evidence.archive import build_evidence_zip
from incidents.models import Incident, IncidentEntry
from tests.evidence.conftest import NOW, PERIOD, at, read_csv, read_zip

pytestmark = pytest.mark.django_db


def entry(
    incident: Incident, kind: str, key: str, when: datetime | None, text: str, **extra: object
) -> IncidentEntry:
    return IncidentEntry.objects.create(
        incident=incident,
        kind=kind,
        key=key,
        at=when,
        text=text,
        first_seen_at=at(2026, 4, 1, 12),
        **extra,
    )


@pytest.fixture
def entries(dataset):  # type: ignore[no-untyped-def]
    inside, last_day = dataset["inside"], dataset["last_day"]
    entry(inside, "timeline", "t-2", at(2026, 2, 1, 11), "Status changed to resolved",
          type="IncidentResolved", author="System")  # fmt: skip
    entry(inside, "note", "n-1", at(2026, 2, 1, 10, 30), "=HYPERLINK(\"http://x\")",
          author="ana@example.com")  # fmt: skip
    entry(inside, "log", "l-9", at(2026, 2, 1, 10, 5), "Escalated to Ops",
          removed_upstream_at=at(2026, 4, 1, 13))  # fmt: skip
    entry(last_day, "note", "n-7", at(2026, 4, 1, 1), "Root cause: disk full", author="bo")
    # The incidents created outside the period: none of theirs is exported.
    entry(dataset["before"], "note", "n-x", at(2026, 1, 5), "Before the period")
    entry(dataset["after"], "note", "n-y", at(2026, 4, 1, 0, 30), "After the period")
    return dataset


def test_the_entries_of_the_period_s_incidents_and_no_other(entries, admin_user) -> None:  # type: ignore[no-untyped-def]
    with build_evidence_zip(period=PERIOD, generated_by=admin_user, now=NOW) as file:
        archive = read_zip(file.read())

    rows = read_csv(archive, "incident_entries.csv")
    inside, last_day = entries["inside"], entries["last_day"]
    assert [(row["incident_id"], row["entry_key"]) for row in rows] == [
        (str(inside.pk), "l-9"),
        (str(inside.pk), "n-1"),
        (str(inside.pk), "t-2"),
        (str(last_day.pk), "n-7"),
    ]
    log, note, timeline, last = rows
    assert log["kind"] == "Log" and log["text"] == "Escalated to Ops"
    assert log["removed_upstream"] == "yes"
    assert log["removed_upstream_at"] == "2026-04-01T13:00:00+00:00"
    assert note["text"] == '\'=HYPERLINK("http://x")'  # a formula, neutralised
    assert note["author"] == "ana@example.com" and note["removed_upstream"] == "no"
    assert note["at"] == "2026-02-01T10:30:00+00:00"
    assert (timeline["kind"], timeline["type"]) == ("Timeline", "IncidentResolved")
    assert (last["incident_source"], last["incident_upstream_id"]) == ("opsgenie", "in-2")
    assert last["text"] == "Root cause: disk full"
    assert last["first_synced_at"] == "2026-04-01T12:00:00+00:00"

    manifest = json.loads(archive.read("manifest.json"))
    listed = {item["name"]: item for item in manifest["files"]}
    assert listed["incident_entries.csv"]["rows"] == 4
    assert (
        "Notes, activity log and timeline entries" in listed["incident_entries.csv"]["description"]
    )
