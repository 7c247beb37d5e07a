"""CSV that opens cleanly in a spreadsheet and cannot run anything when it does.

Upstream text (incident titles, descriptions, sync errors) is untrusted: a cell such as
``=cmd|' /C calc'!A0`` is a formula to Excel and LibreOffice. Following OWASP's advice on CSV
injection, every text cell that starts with a formula trigger gets a leading ``'``, which
spreadsheets show as plain text. Numbers are written as they are, so they stay numbers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO

# = + - @ start a formula; tab and CR are stripped or reinterpreted by some spreadsheets so that
# what follows them is read as a formula (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Make ``text`` inert in a spreadsheet cell."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def cell(value: object) -> str | int | float:
    """One CSV cell: ISO 8601 (UTC) for times, yes/no for booleans, neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return neutralise(", ".join(str(item) for item in value))
    if isinstance(value, dict):
        return neutralise(json.dumps(value, sort_keys=True, default=str))
    return neutralise(str(value))


class DigestingWriter(io.RawIOBase):
    """Forwards bytes to ``target`` while counting them and hashing them with SHA-256, so the
    manifest can list each file's hash without reading the file back."""

    def __init__(self, target: IO[bytes]) -> None:
        super().__init__()
        self._target = target
        self._sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[no-untyped-def,override]
        chunk = bytes(data)
        self._target.write(chunk)
        self._sha256.update(chunk)
        self.size += len(chunk)
        return len(chunk)

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()


def write_csv(target: IO[bytes], *, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write one header row and ``rows`` to ``target`` as UTF-8 with a BOM (so Excel detects the
    encoding); returns the number of data rows. Rows are written as they come, never collected."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow([cell(name) for name in header])
        count = 0
        for row in rows:
            writer.writerow([cell(value) for value in row])
            count += 1
        text.flush()
    finally:
        # Detach so closing the wrapper does not close the caller's stream.
        text.detach()
    return count
