from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.http import UpstreamError
from integrations.providers.opsgenie.mapping import incident_record

RAW = {
    "id": "4a7e-1",
    "tinyId": "42",
    "message": "<b>DB</b> down",
    "description": "Primary lost",
    "status": "resolved",
    "priority": "P2",
    "createdAt": "2026-01-02T03:04:05.678Z",
    "updatedAt": "2026-01-02T05:00:00.000Z",
    "impactStartDate": "2026-01-02T03:00:00.000Z",
    "impactEndDate": "2026-01-02T04:30:00.000Z",
    "impactedServices": ["svc-1"],
    "links": {"web": "https://acme.app.opsgenie.com/incident/detail/4a7e-1", "api": "x"},
}


@pytest.mark.parametrize(
    ("raw", "priority"),
    [("P1", "high"), ("P2", "high"), ("P3", "medium"), ("P4", "low"), ("P5", "low"), ("P9", "")],
)
def test_priorities_map_to_high_medium_low_and_keep_the_raw_value(raw: str, priority: str) -> None:
    record = incident_record({**RAW, "priority": raw})
    assert (record.priority, record.raw_priority) == (priority, raw)


@pytest.mark.parametrize("status", ["open", "resolved", "closed"])
def test_statuses_are_kept_with_their_raw_value(status: str) -> None:
    record = incident_record({**RAW, "status": status})
    assert (record.status, record.raw_status) == (status, status)


def test_every_canonical_field_is_mapped() -> None:
    record = incident_record(RAW)
    assert record.upstream_id == "4a7e-1" and record.number == "42"
    assert record.title == "<b>DB</b> down"  # stored as given; escaped when shown
    assert record.created_at == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert record.impact_start == datetime(2026, 1, 2, 3, tzinfo=UTC)
    assert record.impact_end == record.resolved_at == datetime(2026, 1, 2, 4, 30, tzinfo=UTC)
    assert record.upstream_url.startswith("https://acme.app.opsgenie.com/")
    assert record.services == ("svc-1",)


def test_an_open_incident_has_no_resolution_time_and_missing_dates_stay_empty() -> None:
    raw = {k: v for k, v in RAW.items() if k not in ("impactStartDate", "impactEndDate")}
    record = incident_record({**raw, "status": "open"})
    assert record.impact_start is record.impact_end is record.resolved_at is None


def test_a_non_http_link_is_dropped() -> None:
    record = incident_record({**RAW, "links": {"web": "javascript:alert(1)"}})
    assert record.upstream_url == ""


@pytest.mark.parametrize(
    "raw", [{}, {"id": ""}, {**RAW, "createdAt": "yesterday"}, ["not", "a", "dict"]]
)
def test_a_malformed_incident_is_an_upstream_error(raw: object) -> None:
    with pytest.raises(UpstreamError):
        incident_record(raw)
