"""Access management's files in the evidence export (found by evidence/registry.py)."""

from __future__ import annotations

from access.staff_evidence import STAFF_FILES

FILES = [*STAFF_FILES]
