"""The dashboard, the checks, the incident list and the sync card count the same incidents:
those of a connected source, of a chosen service, not deleted upstream."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from checks.engine import evaluate
from checks.models import CheckState
from dashboard import selectors
from dashboard.services import snapshot_refresh
from incidents.checks import CLOSED_KEY
from integrations.models import ConnectionStatus
from tests.conftest import make_connection, make_incident

pytestmark = pytest.mark.django_db

# (source, status, out of scope, deleted upstream) of every incident in the dataset.
DATASET = [
    ("live", "open", False, False),
    ("live", "open", False, False),
    ("live", "resolved", False, False),
    ("live", "open", True, False),  # a service the admin did not choose
    ("live", "resolved", True, False),
    ("live", "open", False, True),  # deleted upstream
    ("gone", "open", False, False),  # its source was disconnected
    ("gone", "resolved", False, False),
]


@pytest.fixture
def dataset() -> dict[str, object]:
    now = timezone.now()
    sources = {
        "live": make_connection(provider="opsgenie"),
        "gone": make_connection(provider="pagerduty", status=ConnectionStatus.DISCONNECTED),
    }
    for n, (source, status, out_of_scope, deleted) in enumerate(DATASET, start=1):
        created = now - timedelta(days=2, hours=n)
        make_incident(
            sources[source],
            n,
            status=status,
            created_at=created,
            resolved_at=None if status == "open" else created + timedelta(hours=1),
            out_of_scope=out_of_scope,
            deleted_upstream=deleted,
        )
    evaluate()
    counts = [row for row in DATASET if row[0] == "live" and not row[2] and not row[3]]
    return {
        "sources": sources,
        "counted": len(counts),
        "counted_open": sum(1 for row in counts if row[1] == "open"),
        "evidence_only": len(DATASET) - len(counts),
    }


def _listed(client, query: str) -> int:  # type: ignore[no-untyped-def]
    page = client.get(f"/incidents/?{query}").content.decode()
    return int(re.search(r"(\d+) incidents? match", page).group(1))


def test_the_dashboard_and_the_closed_check_count_the_same_open_incidents(
    dataset, auditor_client
) -> None:  # type: ignore[no-untyped-def]
    state = CheckState.objects.get(key=CLOSED_KEY)
    assert state.failing_count == dataset["counted_open"] == 2
    assert state.checked_count == dataset["counted"]
    assert selectors.open_incidents_by_age(now=timezone.now()).total == dataset["counted_open"]
    page = auditor_client.get("/").content.decode()
    assert f"{dataset['counted_open']} open incidents that count for the checks" in page


def test_the_dashboards_other_panels_leave_out_what_the_checks_leave_out(dataset) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    snapshot = snapshot_refresh(now=now)
    _, weekly = selectors.incidents_per_week(snapshot, now=now)
    assert weekly.total == dataset["counted"]
    resolved = sum(row.resolved for row in selectors.mean_time_to_resolve(snapshot, now=now))
    assert resolved == dataset["counted"] - dataset["counted_open"]


def test_the_incident_list_filters_on_the_same_definition(dataset, auditor_client) -> None:  # type: ignore[no-untyped-def]
    assert _listed(auditor_client, "counted=yes") == dataset["counted"]
    assert _listed(auditor_client, "counted=yes&status=open") == dataset["counted_open"]
    assert _listed(auditor_client, "counted=no") == dataset["evidence_only"]


def test_the_sync_card_says_how_many_stored_incidents_count(dataset, auditor_client) -> None:  # type: ignore[no-untyped-def]
    not_deleted = sum(1 for row in DATASET if row[0] == "live" and not row[3])
    card = auditor_client.get("/settings/integrations/opsgenie/sync/status/").content.decode()
    assert f"<dd>{not_deleted} (" in card
    assert f"{dataset['counted']} count for the checks" in card
    assert "?source=opsgenie&amp;counted=yes" in card
    gone = auditor_client.get("/settings/integrations/pagerduty/sync/status/").content.decode()
    assert "0 count for the checks" in gone
