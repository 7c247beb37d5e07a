"""Upstream text that reports data loss (PRODUCT 4): such an incident is flagged for assessment
and fails the data-loss check until someone assesses it. The one definition of the words."""

from __future__ import annotations

import re

# "data loss", "dataloss", "data-loss", "data lost", "data breach", "data leak(ed/age)",
# "records lost", "12 records were exposed", in any case.
MENTION = re.compile(
    r"\bdata[\s_-]*(?:loss(?:es)?|lost|breach(?:ed|es)?|leak(?:s|ed|age)?)\b"
    r"|\brecords?\s+(?:(?:were|was|have\s+been|got)\s+)?(?:lost|exposed)\b",
    re.IGNORECASE,
)
CONTEXT = 40  # characters kept on each side of the match
LIMIT = 200  # what a page or a reason shows of it


def find_mention(*texts: str) -> str:
    """The matching text with a little context ("…Data loss: 4293 records missing…"), or ""."""
    for text in texts:
        match = MENTION.search(text or "")
        if match is None:
            continue
        start, end = max(match.start() - CONTEXT, 0), min(match.end() + CONTEXT, len(text))
        excerpt = " ".join(text[start:end].split())
        prefix = "…" if start > 0 else ""
        suffix = "…" if end < len(text) else ""
        return f"{prefix}{excerpt}{suffix}"[:LIMIT]
    return ""
