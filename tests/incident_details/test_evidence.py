"""The notes and log entries a sync read from the PagerDuty emulator reach the evidence ZIP's
``incident_entries.csv``: exactly those of the incidents created in the period, as the emulator
serves them, none of another incident."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from evidence.archive import build_evidence_zip
from integrations.models import Connection
from integrations.providers.pagerduty.sandbox.log_entries import incident_log_entries
from integrations.providers.pagerduty.sandbox.store import PagerDutyStore
from integrations.sandbox.server import SandboxServer
from lib.evidence_files import Period
from tests.evidence.conftest import read_csv, read_zip
from tests.incident_details.conftest import INCIDENTS, run_sync

pytestmark = pytest.mark.django_db
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_exported(text: str) -> str:
    """A spreadsheet formula is written with a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def day(iso: str) -> date:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).date()


def test_the_entries_of_the_period_s_incidents_as_upstream_serves_them(
    upstream: SandboxServer, pagerduty: Connection, settings, admin_user
) -> None:  # type: ignore[no-untyped-def]
    settings.INCIDENT_DETAILS_PER_RUN = INCIDENTS
    run_sync(pagerduty)
    store: PagerDutyStore = upstream.pagerduty_stores["us"]
    incidents = sorted(store.incidents(), key=lambda i: i["created_at"])
    # A period of whole days holding the middle of the incidents, leaving some out each side.
    start = day(incidents[len(incidents) // 3]["created_at"])
    end = day(incidents[2 * len(incidents) // 3]["created_at"])
    period = Period(start=start, end=end)
    inside = [i for i in incidents if start <= day(i["created_at"]) <= end]
    assert 0 < len(inside) < len(incidents)

    expected = set()
    for incident in inside:
        expected |= {
            (incident["id"], "Note", n["id"], as_exported(n["content"]))
            for n in store.notes(incident)
        }
        expected |= {
            (incident["id"], "Log", e["id"], as_exported(e.get("summary", "")))
            for e in incident_log_entries(store, incident)
        }

    with build_evidence_zip(period=period, generated_by=admin_user) as file:
        rows = read_csv(read_zip(file.read()), "incident_entries.csv")

    got = {
        (row["incident_upstream_id"], row["kind"], row["entry_key"], row["text"]) for row in rows
    }
    assert len(rows) == len(got)
    assert got == expected
    assert any(kind == "Note" for _id, kind, _key, _text in got)
    assert {row["incident_source"] for row in rows} == {"pagerduty"}
