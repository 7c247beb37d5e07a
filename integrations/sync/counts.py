"""What a connection holds, per stream, for its sync card.

Each domain app that stores a stream registers how to count what it holds (in its
AppConfig.ready), so the card says how many rows count with the app's own definition and the
integrations layer never imports a domain app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from integrations.models import Connection


@dataclass(frozen=True)
class HeldCount:
    label: str  # what the rows are, e.g. "Incidents"
    stored: int  # kept as evidence, not deleted upstream
    counted: int | None  # of those, how many the checks count; None when no check reads them
    counted_url: str = ""  # where to browse the counted ones (all of them when None)


# None: the app holds nothing of this kind for such a connection (e.g. another provider's).
Counter = Callable[[Connection], HeldCount | None]
COUNTERS: dict[str, Counter] = {}


def register_counter(stream: str, counter: Counter) -> None:
    COUNTERS[stream] = counter


def held_counts(*, connection: Connection) -> list[HeldCount]:
    held = (counter(connection) for counter in COUNTERS.values())
    return [count for count in held if count is not None]
