"""What the emulators' alerts share as time passes (OpsGenie's accounts and the JSM site's
Operations data): each emulated hour one open alert not yet acknowledged is acknowledged,
another open one is closed, and one to three new ones are raised, open and unacknowledged, with
the tiny ids that follow the account's. Each provider keeps its records' shapes (how an alert
is acknowledged, closed or raised, by whom, with which message); the draws are made here, in
this order, from the random stream it passes: which alert is acknowledged, which is closed, how
many are new, then whatever the provider's callbacks draw, alert by alert.

Every change gets its own ``stamp()`` (later than the one before), in the list's order, then the
new alerts in theirs: an incremental reader sorting by ``updatedAt`` finds each one.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

Record = dict[str, Any]

# New alerts an hour raises: between these many.
NEW_ALERTS: Final = (1, 3)
ACKNOWLEDGED: Final = "acknowledged"
CLOSED: Final = "closed"


@dataclass
class AlertHour:
    """One hour's alerts: the list with the changed ones replaced (same order), the new ones
    (oldest first), and the summary ``/_sandbox/advance`` answers under "alerts"."""

    alerts: list[Record]
    created: list[Record]
    summary: dict[str, list[str]] = field(default_factory=dict)


def pass_alerts(
    rng: random.Random,
    alerts: list[Record],
    *,
    next_tiny: int,
    stamp: Callable[[], int],
    changed: Callable[[Record, str, int], Record],
    raised: Callable[[int, int], Record],
) -> AlertHour:
    """One hour of ``alerts``. ``changed(alert, ACKNOWLEDGED or CLOSED, at)`` returns a new dict
    (readers may hold the old one); ``raised(tiny id, at)`` a new open alert."""
    unacknowledged = [a["id"] for a in alerts if a["status"] == "open" and not a["acknowledged"]]
    acknowledged = [rng.choice(unacknowledged)] if unacknowledged else []
    still_open = [a["id"] for a in alerts if a["status"] == "open" and a["id"] not in acknowledged]
    closed = [rng.choice(still_open)] if still_open else []
    new = rng.randint(*NEW_ALERTS)
    kinds = {**dict.fromkeys(acknowledged, ACKNOWLEDGED), **dict.fromkeys(closed, CLOSED)}
    after = [changed(a, kinds[a["id"]], stamp()) if a["id"] in kinds else a for a in alerts]
    created = [raised(tiny, stamp()) for tiny in range(next_tiny, next_tiny + new)]
    summary = {
        "created": [alert["id"] for alert in created],
        "acknowledged": acknowledged,
        "closed": closed,
    }
    return AlertHour(after, created, summary)
