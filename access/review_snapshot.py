"""The canonical form of a review's snapshot and its SHA-256.

Anyone holding the export can recompute the digest from the decisions CSV: the snapshot fields
of every item, each item a JSON object with sorted keys, the items sorted by system, upstream
id and email, serialized without whitespace as UTF-8."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping

from access.review_models import SNAPSHOT_FIELDS, ReviewItem


def canonical(items: Iterable[Mapping[str, str]]) -> bytes:
    rows = sorted(
        ({name: str(item[name]) for name in SNAPSHOT_FIELDS} for item in items),
        key=lambda row: (row["system_name"], row["upstream_id"], row["email"]),
    )
    return json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(items: Iterable[Mapping[str, str]]) -> str:
    return hashlib.sha256(canonical(items)).hexdigest()


def stored_digest(review_id: int) -> str:
    """The digest of the items as stored now: equal to the review's seal unless the database
    was edited behind the app's back."""
    rows = ReviewItem.objects.filter(review_id=review_id).values(*SNAPSHOT_FIELDS)
    return digest(rows)
