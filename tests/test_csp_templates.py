"""The Content-Security-Policy allows no inline script or style (issue 12): a template that
adds one would be blocked in the browser, silently. Every template is held to that here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INLINE = {
    "inline <script> (put it in a static file)": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "<style> element (put it in app.css)": re.compile(r"<style\b", re.I),
    "style attribute (use a class)": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute (use a static script)": re.compile(r"\son[a-z]+\s*=", re.I),
    "hx-on attribute (htmx evaluates it: allowEval is off)": re.compile(r"\shx-on", re.I),
}


def _templates() -> list[Path]:
    found = [
        path
        for path in ROOT.rglob("*.html")
        if ".venv" not in path.parts
        and "node_modules" not in path.parts
        and "templates" in path.parts
    ]
    assert len(found) > 30  # the walk found the project's templates
    return found


def test_no_template_has_inline_script_or_style() -> None:
    offences = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in _templates()
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text())
    ]
    assert offences == []


def test_the_check_catches_what_it_looks_for(tmp_path) -> None:  # type: ignore[no-untyped-def]
    samples = [
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        '<p style="color:red">',
        '<button onclick="x()">',
        '<div hx-on:click="x()">',
    ]
    for sample, pattern in zip(samples, INLINE.values(), strict=True):
        assert pattern.search(sample)
    assert not INLINE["inline <script> (put it in a static file)"].search(
        '<script src="/static/x.js" defer></script>'
    )
