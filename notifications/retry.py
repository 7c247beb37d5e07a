"""When a delivery that failed is tried again: Wallarm's retry cycles, exactly (PRODUCT 7).

After the first send fails, the first cycle retries after 1, 3, 5, 10 and 10 seconds; then the
second after 0, 1, 3, 5 and 30 seconds; then the third after 1, 1, 3, 5, 10 and 30 minutes.
When the last of those fails too, the delivery has failed. Each wait is counted from the answer
of the attempt before it (or from its timeout). Pure functions: the callers schedule the next
attempt as a row due at a time, never as a sleep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


def _seconds(*values: int) -> tuple[timedelta, ...]:
    return tuple(timedelta(seconds=value) for value in values)


def _minutes(*values: int) -> tuple[timedelta, ...]:
    return tuple(timedelta(minutes=value) for value in values)


CYCLES: tuple[tuple[timedelta, ...], ...] = (
    _seconds(1, 3, 5, 10, 10),
    _seconds(0, 1, 3, 5, 30),
    _minutes(1, 1, 3, 5, 10, 30),
)


@dataclass(frozen=True, order=True)
class Step:
    """Where an attempt stands: cycle 0 is the first send (its only step), cycles 1, 2 and 3
    are the retry cycles, and ``step`` is 0-based within its cycle."""

    cycle: int
    step: int

    @property
    def is_first_send(self) -> bool:
        return self.cycle == 0

    def label(self) -> str:
        """How the delivery log names the attempt: "first send", "cycle 2, retry 3 (after 3 s)"."""
        if self.is_first_send:
            return "first send"
        return f"cycle {self.cycle}, retry {self.step + 1} (after {_spoken(delay_before(self))})"


FIRST_SEND = Step(0, 0)


def delay_before(step: Step) -> timedelta:
    """How long after the attempt before it this attempt is made (nothing for the first send)."""
    if step.is_first_send:
        return timedelta(0)
    return CYCLES[step.cycle - 1][step.step]


def next_step(failed: Step) -> Step | None:
    """The attempt to make after the attempt at ``failed`` did not succeed; None after the last
    step of the last cycle: the delivery has failed."""
    if failed.is_first_send:
        return Step(1, 0)
    if failed.step + 1 < len(CYCLES[failed.cycle - 1]):
        return Step(failed.cycle, failed.step + 1)
    if failed.cycle < len(CYCLES):
        return Step(failed.cycle + 1, 0)
    return None


def ends_first_cycle(failed: Step) -> bool:
    """Whether a failure at ``failed`` means the first cycle is over without success: from then
    on the delivery counts as failed in its channel's 12-hour failure ratio (retries go on)."""
    following = next_step(failed)
    return following is None or following.cycle >= 2


def all_steps() -> list[Step]:
    """Every attempt a delivery can get, the first send first."""
    steps = [FIRST_SEND]
    while (following := next_step(steps[-1])) is not None:
        steps.append(following)
    return steps


def _spoken(delay: timedelta) -> str:
    seconds = int(delay.total_seconds())
    if seconds and seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"
