"""What both emulators' advance() share: how many changes, which incidents, the new list.

Each provider keeps what differs: its status transitions, how one incident changes, and how a
new incident looks. Random draws happen in a fixed order, so a seed gives the same history.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

Record = dict[str, Any]
# (kind of change, statuses it applies to, share of all changes)
Transition = tuple[str, Sequence[str], float]


def advance_counts(
    *, total: int, changed_fraction: float, new: int | None, deleted: int | None
) -> tuple[int, int, int]:
    """(changes, new, deleted): defaults of half and a tenth as many as changed."""
    changes = round(changed_fraction * total)
    new = changes // 2 if new is None else new
    deleted = changes // 10 if deleted is None else deleted
    if deleted > total:
        raise ValueError(f"Cannot delete {deleted} incidents: the account has {total}")
    return min(changes, total - deleted), new, deleted


def plan_changes(
    rng: random.Random,
    incidents: Sequence[Record],
    *,
    status_of: Callable[[Record], str],
    changes: int,
    deleted: int,
    transitions: Sequence[Transition],
    rest: str,
) -> tuple[set[int], dict[int, str]]:
    """Indexes to delete, and the kind of change of each index that changes.

    Transitions short of candidates leave their share to ``rest`` (any incident), so the total
    is always what was asked."""
    total = len(incidents)
    gone = set(rng.sample(range(total), deleted))
    by_status: dict[str, list[int]] = defaultdict(list)
    for index, incident in enumerate(incidents):
        if index not in gone:
            by_status[status_of(incident)].append(index)
    taken = set(gone)

    def pick(pool: list[int], wanted: int) -> list[int]:
        free = [index for index in pool if index not in taken]
        chosen = rng.sample(free, min(wanted, len(free)))
        taken.update(chosen)
        return chosen

    plan = {
        kind: pick([i for status in statuses for i in by_status[status]], round(changes * share))
        for kind, statuses, share in transitions
    }
    planned = sum(len(chosen) for chosen in plan.values())
    plan[rest] = pick(list(range(total)), changes - planned)
    return gone, {index: kind for kind, chosen in plan.items() for index in chosen}


def apply_changes(
    incidents: Sequence[Record],
    *,
    gone: set[int],
    replaced: dict[int, Record],
    created: list[Record],
    now: str,
) -> tuple[list[Record], dict[str, Any]]:
    """The incident list after time passed, and the summary advance() returns."""
    after = [
        replaced.get(index, incident)
        for index, incident in enumerate(incidents)
        if index not in gone
    ] + created
    summary = {
        "changed": [replaced[index]["id"] for index in sorted(replaced)],
        "created": [incident["id"] for incident in created],
        "deleted": [incidents[index]["id"] for index in sorted(gone)],
        "now": now,
    }
    return after, summary


def check_advance_options(
    *, changed_fraction: Any, new: Any, deleted: Any, seed: Any, max_new: int
) -> None:
    """Refuse bad options before anything changes (they arrive as JSON from the control API)."""
    if (
        isinstance(changed_fraction, bool)
        or not isinstance(changed_fraction, int | float)
        or not math.isfinite(changed_fraction)
        or not 0 <= changed_fraction <= 1
    ):
        raise ValueError("changed_fraction must be a number between 0 and 1")
    for name, value, most in (("new", new, max_new), ("deleted", deleted, None)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be an integer >= 0")
        if most is not None and value > most:
            raise ValueError(f"{name} must be at most {most}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError("seed must be an integer")
