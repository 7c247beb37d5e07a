"""Collect the events the product emits (lib/events.py), as the notifications app receives
them: inside the caller's transaction. ``kept`` holds those whose transaction was not rolled
back (the receiver's writes would have stayed); ``emitted`` every one sent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.test import TestCase

from lib.events import Event, EventType, event_happened

UID = "tests.notifications.collect"


@dataclass
class Collected:
    emitted: list[Event] = field(default_factory=list)
    kept: list[Event] = field(default_factory=list)

    def of(self, kind: EventType) -> list[Event]:
        return [event for event in self.kept if event.type == kind]

    def one(self, kind: EventType) -> Event:
        found = self.of(kind)
        assert len(found) == 1, f"{len(found)} {kind} events kept: {self.kept}"
        return found[0]

    @property
    def types(self) -> list[str]:
        return [f"{event.type}:{event.action}" for event in self.kept]


@contextmanager
def collected() -> Iterator[Collected]:
    """Events emitted inside the block; ``kept`` is filled when it ends."""
    got = Collected()
    mine: list[Callable[[], None]] = []

    def receive(sender: Any, events: tuple[Event, ...], **kwargs: Any) -> None:
        got.emitted.extend(events)

        def keep() -> None:
            got.kept.extend(events)

        mine.append(keep)
        # Discarded by Django when the savepoint it was registered in rolls back.
        transaction.on_commit(keep)

    event_happened.connect(receive, dispatch_uid=UID, weak=False)
    try:
        # Captured, not run: other callbacks (a sync started on connect) must not run here.
        with TestCase.captureOnCommitCallbacks() as callbacks:
            yield got
    finally:
        event_happened.disconnect(dispatch_uid=UID)
    survivors = {id(callback) for callback in callbacks}
    for keep in mine:
        if id(keep) in survivors:
            keep()
