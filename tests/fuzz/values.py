"""The bad values tried in every field and GET parameter, each with why it is bad."""

from __future__ import annotations

import io
from dataclasses import dataclass


@dataclass(frozen=True)
class Bad:
    name: str
    value: str | list[str]
    reason: str


BAD_VALUES: list[Bad] = [
    Bad("empty", "", "a required field left empty"),
    Bad("blank", " ", "only whitespace: stripped to empty by some fields, not by others"),
    Bad("long", "x" * 10_000, "past every max_length and column size"),
    Bad("nul", "\x00", "PostgreSQL refuses NUL in text; Django's forms refuse it"),
    Bad("nul-inside", "a\x00b", "a NUL that a strip() does not remove"),
    Bad("rtl-override", "\u202egnp.exe", "right-to-left override: shows as exe.png"),
    Bad("cjk", "名前", "not Latin-1: breaks HTTP headers (an API key sent upstream)"),
    Bad("titlecase-digraph", "Ǆ", "one character whose upper, lower and title case differ"),
    Bad("emoji", "🔥\U0001f9d1\u200d\U0001f4bb", "outside the BMP, with a zero-width joiner"),
    Bad("script", "<script>alert(1)</script>", "markup: must be escaped wherever shown"),
    Bad("sql", "' OR 1=1 --", "a quote that a hand-built query would break on"),
    Bad("date-min", "0001-01-01", "a date whose day before cannot exist"),
    Bad("date-max", "9999-12-31", "a date whose day after (an exclusive end) cannot exist"),
    Bad("date-invalid", "2026-02-30", "shaped like a date, no such day"),
    Bad("minus-one", "-1", "a negative count, page or id"),
    Bad("zero", "0", "a page or id that does not exist; a divisor"),
    Bad("huge-int", "99999999999999999999", "past a 64-bit integer column"),
    Bad("float-inf", "1e309", "parses to infinity as a float"),
    Bad("nan", "NaN", "parses to a float that equals nothing"),
    Bad("json-list", "[]", "a different type where a scalar is expected"),
    Bad("json-object", "{}", "a different type where a scalar is expected"),
    Bad("twice", ["a", "b"], "the field sent twice: a list where one value is expected"),
]

# A body past DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB): the page must name the limit. Tried on a
# few fields only, to keep the run short.
HUGE = Bad("3mb", "x" * (3 * 1024 * 1024), "a body over Django's upload limit")


def _file(name: str, content: bytes) -> io.BytesIO:
    # Not Django's SimpleUploadedFile: it refuses the name "..", which a browser can send.
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def bad_files() -> list[tuple[str, io.BytesIO]]:
    """Files of a type, size or name that must be refused or made safe (new ones each call: a
    file sent is read to its end)."""
    return [
        ("exe", _file("setup.exe", b"MZ\x90\x00" + b"\x00" * 60)),
        ("empty", _file("empty.txt", b"")),
        ("dotdot", _file("..", b"proof")),
        ("rtl-name", _file("\u202egnp.exe", b"MZ")),
        ("non-latin-name", _file("名前.txt", b"proof")),
        # A CSV that reads, with every bad value in its cells: the staff import's preview.
        ("bad-cells", _file("staff.csv", _bad_csv())),
    ]


def _bad_csv() -> bytes:
    rows = ["name,email,org_role,status,last_working_day,manager_email"]
    for bad in BAD_VALUES:
        if isinstance(bad.value, str):
            cell = '"' + bad.value.replace('"', '""') + '"'
            rows.append(",".join([cell, f"{bad.name}@example.com", cell, cell, cell, cell]))
            rows.append(",".join(["Ann", cell, "", "", "", ""]))
    return "\n".join(rows).encode()
