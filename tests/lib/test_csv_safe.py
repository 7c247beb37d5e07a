from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from lib.csv_safe import DigestingWriter, cell, neutralise, write_csv


@pytest.mark.parametrize(
    "text",
    ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"],
)
def test_it_prefixes_every_formula_trigger_with_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Database down", "", "a=b", "'quoted", " =1"])
def test_it_leaves_ordinary_text_alone(text: str) -> None:
    assert neutralise(text) == text


def test_numbers_stay_numbers_even_when_negative() -> None:
    assert cell(-3) == -3
    assert cell(1.5) == 1.5


def test_it_writes_times_as_iso_utc_and_booleans_as_yes_no() -> None:
    paris = timezone(timedelta(hours=1))
    assert cell(datetime(2026, 1, 2, 13, 0, tzinfo=paris)) == "2026-01-02T12:00:00+00:00"
    assert cell(date(2026, 1, 2)) == "2026-01-02"
    assert cell(True) == "yes" and cell(False) == "no"
    assert cell(None) == ""


def test_lists_are_joined_then_neutralised() -> None:
    assert cell(["api", "db"]) == "api, db"
    assert cell(["=evil", "db"]) == "'=evil, db"


def test_the_csv_has_a_bom_one_header_and_neutralised_cells() -> None:
    buffer = io.BytesIO()
    count = write_csv(
        buffer, header=["title", "at"], rows=iter([["=1+1", datetime(2026, 1, 1, tzinfo=UTC)]])
    )
    data = buffer.getvalue()
    assert count == 1
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["title", "at"], ["'=1+1", "2026-01-01T00:00:00+00:00"]]
    assert not buffer.closed


def test_the_digesting_writer_hashes_what_passes_through() -> None:
    import hashlib

    target = io.BytesIO()
    digest = DigestingWriter(target)
    digest.write(b"abc")
    digest.write(memoryview(b"def"))
    assert target.getvalue() == b"abcdef"
    assert digest.size == 6
    assert digest.sha256 == hashlib.sha256(b"abcdef").hexdigest()
