"""What a configuration object's snapshot stream yields (teams, escalations, schedules...):
its upstream id and the item as read. The Data library's store reads its columns and relations
from the item (``library.kinds``), so a new kind needs no new record type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ConfigRecord:
    upstream_id: str
    raw: dict[str, Any]
