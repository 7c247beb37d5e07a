"""Bounded per-parent reads: a stream that costs one call per team, user or schedule reads at
most a bound of them a run, the next block each hour, so every one is read in turn (a listing
cut this way is partial: ``ListingTruncated`` marks nothing removed)."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

T = TypeVar("T")


def this_runs_block(items: list[T], bound: int, now: datetime) -> tuple[list[T], bool]:
    """The block of ``items`` read this run (at most ``bound``, the next block each hour, so
    every item is read in turn), and whether that is fewer than all of them."""
    bound = max(1, bound)
    if len(items) <= bound:
        return items, False
    blocks = -(-len(items) // bound)
    start = (int(now.timestamp() // 3600) % blocks) * bound
    return items[start : start + bound], True
