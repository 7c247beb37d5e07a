"""What the emulators' configuration changes share as time passes (each provider's
``_configuration_change``, see ``timeline.AccountStore.advance``): where an hour's new on-call
gap falls, which heartbeat stops being pinged, and whether the hour cuts an escalation down to
one person. Each provider keeps its records' shapes and which objects are candidates; the draws
are made here, in the order each provider calls them, from the random stream it passes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

# A new gap starts between these many days from the hour's day (at GAP_HOUR UTC)...
GAP_FROM_DAYS = (2, 9)
GAP_HOUR = 9
# ...and lasts one or two days: always inside the 14 days the readiness checks look at.
GAP_LENGTH_DAYS = (1, 2)
# The chance that an hour cuts an escalation down to one person: rarer than gaps, since the
# schedule it no longer notifies cannot get one any more.
TRIM_CHANCE = 0.25


def gap_window(rng: random.Random, now: int, *, day: int, hour: int) -> tuple[int, int]:
    """(start, end) of a new gap, in the account clock's unit (``day`` and ``hour`` of it)."""
    start = now - now % day + rng.randint(*GAP_FROM_DAYS) * day + GAP_HOUR * hour
    return start, start + rng.randint(*GAP_LENGTH_DAYS) * day


def stopping(rng: random.Random, live: Sequence[str]) -> list[str]:
    """The heartbeat (by name) among those still pinged that stops this hour; none left, none."""
    return [rng.choice(live)] if live else []


def trims(rng: random.Random) -> bool:
    """Whether this hour cuts an escalation down to one person."""
    return rng.random() < TRIM_CHANCE
