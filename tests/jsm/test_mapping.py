"""A Jira work item → the canonical incident."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.http import UpstreamError
from integrations.providers.jsm.mapping import CustomFields, adf_text, incident_record
from integrations.records import IncidentStatus, Priority

SITE = "https://acme.atlassian.net"


def _item(**fields: object) -> dict[str, object]:
    base = {
        "summary": "Checkout down",
        "priority": {"name": "Medium", "id": "3"},
        "status": {"name": "Open", "statusCategory": {"key": "new", "name": "To Do", "id": 2}},
        "created": "2026-11-02T10:15:30.123+0000",
        "updated": "2026-11-02T11:00:00.000+0100",
        "resolutiondate": None,
        "labels": [],
    }
    return {"id": "10042", "key": "OPS-7", "fields": {**base, **fields}}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Highest", Priority.HIGH),
        ("High", Priority.HIGH),
        ("Medium", Priority.MEDIUM),
        ("Low", Priority.LOW),
        ("Lowest", Priority.LOW),
        ("Blocker", Priority.UNKNOWN),
    ],
)
def test_priority_names_map_to_three_levels(name: str, expected: Priority) -> None:
    record = incident_record(_item(priority={"name": name}), site_url=SITE)
    assert (record.priority, record.raw_priority) == (expected, name)


def test_the_done_category_is_resolved_at_the_resolution_date() -> None:
    done = {"name": "Closed", "statusCategory": {"key": "done", "name": "Done", "id": 3}}
    record = incident_record(
        _item(status=done, resolutiondate="2026-11-02T12:00:00.000+0000"), site_url=SITE
    )
    assert record.status == IncidentStatus.RESOLVED and record.raw_status == "Closed"
    assert record.resolved_at == datetime(2026, 11, 2, 12, tzinfo=UTC)


@pytest.mark.parametrize("category", ["new", "indeterminate"])
def test_to_do_and_in_progress_are_open(category: str) -> None:
    status = {"name": "Work in progress", "statusCategory": {"key": category}}
    # A resolution date left on a reopened work item does not make it resolved.
    record = incident_record(
        _item(status=status, resolutiondate="2026-11-02T12:00:00.000+0000"), site_url=SITE
    )
    assert (record.status, record.resolved_at) == (IncidentStatus.OPEN, None)


def test_times_key_link_and_text() -> None:
    description = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "First line."}]},
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "a point"}]}
                        ],
                    }
                ],
            },
        ],
    }
    record = incident_record(_item(description=description), site_url=SITE)
    assert record.created_at == datetime(2026, 11, 2, 10, 15, 30, 123000, tzinfo=UTC)
    assert record.updated_at == datetime(2026, 11, 2, 10, tzinfo=UTC)
    assert (record.upstream_id, record.number) == ("10042", "OPS-7")
    assert record.upstream_url == "https://acme.atlassian.net/browse/OPS-7"
    assert record.description == "First line.\na point"
    assert adf_text("plain") == "plain"


def test_the_opsgenie_tiny_id_and_alias_come_from_labels_or_configured_fields() -> None:
    labelled = _item(labels=["db", "opsgenie-tiny-1042", "opsgenie-alias-disk-full-07"])
    assert incident_record(labelled, site_url=SITE).external_refs == (
        ("opsgenie_alias", "disk-full-07"),
        ("opsgenie_tiny_id", "1042"),
    )
    fielded = _item(customfield_10050="77", labels=["opsgenie-tiny-1042"])
    record = incident_record(
        fielded, site_url=SITE, custom=CustomFields(tiny_id="customfield_10050")
    )
    assert record.external_refs == (("opsgenie_tiny_id", "77"),)
    assert incident_record(_item(), site_url=SITE).external_refs == ()


def test_impact_times_come_from_the_custom_fields_named_in_settings() -> None:
    item = _item(
        customfield_10060="2026-11-02T09:58:00.000+0000",
        customfield_10061="2026-11-02T12:30:00.000+0100",
    )
    named = CustomFields(impact_start="customfield_10060", impact_end="customfield_10061")
    record = incident_record(item, site_url=SITE, custom=named)
    assert record.impact_start == datetime(2026, 11, 2, 9, 58, tzinfo=UTC)
    assert record.impact_end == datetime(2026, 11, 2, 11, 30, tzinfo=UTC)
    # Not named: not read, whatever the item holds.
    unnamed = incident_record(item, site_url=SITE)
    assert (unnamed.impact_start, unnamed.impact_end) == (None, None)
    # Named but empty or not a time: none, and the item is still an incident.
    odd = _item(customfield_10060=None, customfield_10061={"value": "yesterday"})
    record = incident_record(odd, site_url=SITE, custom=named)
    assert (record.impact_start, record.impact_end) == (None, None)
    assert named.requested() == ["customfield_10060", "customfield_10061"]


@pytest.mark.parametrize(
    "raw", [None, {"key": "OPS-1"}, {"id": "", "fields": {}}, {"id": "1", "fields": {}}]
)
def test_a_work_item_without_an_id_or_creation_time_is_refused(raw: object) -> None:
    with pytest.raises(UpstreamError):
        incident_record(raw, site_url=SITE)
