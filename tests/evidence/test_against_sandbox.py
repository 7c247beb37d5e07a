"""The export of what a real sync stored from the OpsGenie emulator, hostile titles included."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from evidence.archive import build_evidence_zip
from integrations.sandbox.server import SandboxServer
from integrations.sync.engine import sync_connection
from lib.evidence_files import Period
from tests.conftest import make_connection
from tests.evidence.conftest import read_csv, read_zip

NOW = datetime(2026, 6, 1, tzinfo=UTC)
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def synced(settings, db):  # type: ignore[no-untyped-def]
    server = SandboxServer(seed=5, incidents=400, users=5, now=NOW).start()
    settings.OPSGENIE_BASE_URLS = {region: server.opsgenie_url(region) for region in ("us", "eu")}
    try:
        connection = make_connection(api_key=server.keys.opsgenie_us)
        run = sync_connection(
            connection_id=connection.pk, trigger="manual", full=True, sleep=lambda _: None
        )
        assert run is not None
        yield server.keys.opsgenie_us
    finally:
        server.stop()


def test_a_synced_dataset_exports_with_every_formula_neutralised(synced, admin_user) -> None:  # type: ignore[no-untyped-def]
    period = Period(start=date(2000, 1, 1), end=date(2030, 12, 31))
    with build_evidence_zip(period=period, generated_by=admin_user) as file:
        archive = read_zip(file.read())
    incidents = read_csv(archive, "incidents.csv")
    assert len(incidents) == 400
    assert any(row["title"] == "'=cmd|' /C calc'!A0" for row in incidents)
    for name in archive.namelist():
        if name.endswith(".csv"):
            for row in read_csv(archive, name):
                assert not any(str(v).startswith(TRIGGERS) for v in row.values()), (name, row)
        assert synced.encode() not in archive.read(name)
    assert len(read_csv(archive, "sync_runs.csv")) == 1
    assert read_csv(archive, "incident_changes.csv") == []  # one sync: nothing changed yet
