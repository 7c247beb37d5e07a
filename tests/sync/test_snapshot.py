"""A snapshot stream flags what its listing no longer names, and only that (issue 9 point 2)."""

from __future__ import annotations

from integrations.models import ProviderService
from integrations.records import ServiceRecord
from integrations.sync.services_store import SERVICES
from integrations.sync.snapshot import store_listing
from tests.conftest import make_connection


def services(*ids: str) -> list[ServiceRecord]:
    return [ServiceRecord(upstream_id=i, name=f"Service {i}") for i in ids]


def test_a_row_shifted_past_an_offset_listing_is_read_again_not_flagged(db) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection(provider="pagerduty")
    store_listing(SERVICES, connection=connection, pages=[services("S1", "S2", "S3", "S9")])
    readings = iter(
        [
            [services("S1"), services("S3")],  # S2 shifted between two pages, S9 deleted
            [services("S1", "S2", "S3")],  # read again: S2 is there
        ]
    )
    counts = store_listing(
        SERVICES,
        connection=connection,
        pages=next(readings),
        relist=lambda: next(readings),
    )
    removed = ProviderService.objects.filter(deleted_upstream=True)
    assert list(removed.values_list("upstream_id", flat=True)) == ["S9"]
    assert counts.deleted == 1


def test_a_complete_listing_reads_once(db) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection(provider="pagerduty")
    store_listing(SERVICES, connection=connection, pages=[services("S1", "S2")])
    again: list[int] = []
    store_listing(
        SERVICES,
        connection=connection,
        pages=[services("S1", "S2")],
        relist=lambda: again.append(1) or [],
    )
    assert again == []
    assert not ProviderService.objects.filter(deleted_upstream=True).exists()
