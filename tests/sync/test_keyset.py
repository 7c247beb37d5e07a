"""Keyset paging over an in-memory listing that changes between pages (issue 9 point 3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from integrations.sync.keyset import keyset_pages

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    upstream_id: str
    created_at: datetime


class Listing:
    """A sorted upstream listing answering ``created_at >= lower`` with a limit and offset."""

    def __init__(self, rows: list[Row], limit: int = 10) -> None:
        self.rows, self.limit, self.calls = list(rows), limit, 0
        self.between_pages: list = []  # callables run after each answer

    def fetch(self, lower: datetime | None, offset: int) -> tuple[list[Row], bool]:
        matching = sorted(
            (r for r in self.rows if lower is None or r.created_at >= lower),
            key=lambda r: (r.created_at, r.upstream_id),
        )
        page = matching[offset : offset + self.limit]
        more = offset + self.limit < len(matching)
        self.calls += 1
        if self.between_pages:
            self.between_pages.pop(0)(self)
        return page, more


def rows(count: int, *, step: timedelta = timedelta(seconds=1)) -> list[Row]:
    return [Row(f"r{i:03d}", T0 + i * step) for i in range(count)]


def read(listing: Listing, **kwargs) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.upstream_id for page in keyset_pages(listing.fetch, **kwargs) for r in page]


def test_it_reads_every_record_once_in_order() -> None:
    data = rows(35)
    assert read(Listing(data)) == [r.upstream_id for r in data]


@pytest.mark.parametrize("position", [0, 5, 9, 10, 11, 20])
def test_a_record_deleted_after_the_first_page_skips_nothing(position: int) -> None:
    # Positions before, at and after the first page's boundary (index 9 ends page one).
    data = rows(30)
    listing = Listing(data)
    doomed = data[position].upstream_id
    listing.between_pages.append(
        lambda up: up.rows.remove(next(r for r in up.rows if r.upstream_id == doomed))
    )
    got = read(listing)
    survivors = [r.upstream_id for r in data if r.upstream_id != doomed]
    assert [g for g in got if g != doomed] == survivors  # every survivor, once, in order
    assert len(got) == len(set(got))


def test_records_created_during_the_scan_land_after_it_and_nothing_doubles() -> None:
    data = rows(25)
    listing = Listing(data)
    late = [Row(f"new{i}", T0 + timedelta(days=1, seconds=i)) for i in range(3)]
    listing.between_pages.append(lambda up: up.rows.extend(late))
    got = read(listing)
    assert got == [r.upstream_id for r in data + late]


def test_a_page_all_in_one_instant_goes_on_by_offset_within_it() -> None:
    same = [Row(f"s{i:02d}", T0) for i in range(25)]
    later = rows(5, step=timedelta(seconds=1))
    later = [Row(f"l{i}", r.created_at + timedelta(seconds=1)) for i, r in enumerate(later)]
    listing = Listing(same + later)
    got = read(listing)
    assert sorted(got) == sorted(r.upstream_id for r in same + later)
    assert len(got) == 30


def test_an_overlap_asks_earlier_and_still_yields_each_record_once() -> None:
    data = rows(40, step=timedelta(milliseconds=400))
    assert read(Listing(data), overlap=timedelta(seconds=1)) == [r.upstream_id for r in data]


def test_a_start_reads_from_that_moment_on() -> None:
    data = rows(30)
    assert read(Listing(data), start=data[12].created_at) == [r.upstream_id for r in data[12:]]


def test_the_same_deletion_read_by_growing_offsets_loses_a_record() -> None:
    # The failure keyset paging prevents, on the same listing: page two starts one record late.
    data = rows(30)
    listing = Listing(data)
    listing.between_pages.append(lambda up: up.rows.remove(data[5]))
    got, offset = [], 0
    while True:
        page, more = listing.fetch(None, offset)
        got += [r.upstream_id for r in page]
        offset += len(page)
        if not more:
            break
    assert data[10].upstream_id not in got  # alive the whole time, never read
