"""Wallarm's retry cycles, exactly: the waits after the first send fails, cycle by cycle."""

from __future__ import annotations

from datetime import timedelta

from notifications.retry import (
    FIRST_SEND,
    Step,
    all_steps,
    delay_before,
    ends_first_cycle,
    next_step,
)


def _waits(cycle: int) -> list[timedelta]:
    return [delay_before(step) for step in all_steps() if step.cycle == cycle]


def test_the_first_cycle_retries_after_1_3_5_10_and_10_seconds() -> None:
    assert _waits(1) == [timedelta(seconds=s) for s in (1, 3, 5, 10, 10)]


def test_the_second_cycle_retries_after_0_1_3_5_and_30_seconds() -> None:
    assert _waits(2) == [timedelta(seconds=s) for s in (0, 1, 3, 5, 30)]


def test_the_third_cycle_retries_after_1_1_3_5_10_and_30_minutes() -> None:
    assert _waits(3) == [timedelta(minutes=m) for m in (1, 1, 3, 5, 10, 30)]


def test_after_the_last_retry_of_the_third_cycle_there_is_none() -> None:
    steps = all_steps()
    assert steps[0] == FIRST_SEND and len(steps) == 1 + 5 + 5 + 6
    assert next_step(steps[-1]) is None
    assert next_step(FIRST_SEND) == Step(1, 0)
    assert next_step(Step(1, 4)) == Step(2, 0)


def test_the_first_cycle_ends_with_the_failure_of_its_fifth_retry() -> None:
    ending = [step for step in all_steps() if ends_first_cycle(step)]
    assert ending[0] == Step(1, 4)
    assert not ends_first_cycle(FIRST_SEND) and not ends_first_cycle(Step(1, 3))


def test_the_log_names_each_attempt() -> None:
    assert FIRST_SEND.label() == "first send"
    assert Step(2, 4).label() == "cycle 2, retry 5 (after 30 s)"
    assert Step(3, 5).label() == "cycle 3, retry 6 (after 30 min)"
