"""Access management's files in the evidence export (found by evidence/registry.py)."""

from __future__ import annotations

from access.review_evidence import REVIEW_FILES

FILES = [*REVIEW_FILES]
