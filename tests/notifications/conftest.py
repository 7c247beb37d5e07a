from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses as responses_lib

from lib.events import EventType
from notifications.models import Channel

# The shape of an OpsGenie API-integration key; a PagerDuty routing key is 32 hex characters.
OPSGENIE_KEY = "5e0c8d2a-7b4f-4c1e-9a3d-62f1b0e4c7a9"
ROUTING_KEY = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
US = "https://api.opsgenie.com"
EU = "https://api.eu.opsgenie.com"


class Clock:
    """The time the tests say it is; ``advance`` moves it on, nothing sleeps."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 12, 3, 9, 0, tzinfo=UTC))


def make_channel(
    name: str = "On-call",
    *,
    kind: str = "opsgenie",
    endpoint: str = "us",
    secret: str = OPSGENIE_KEY,
    event_types: list[str] | None = None,
    **fields: Any,
) -> Channel:
    return Channel.objects.create(
        name=name,
        kind=kind,
        endpoint=endpoint,
        secret=secret,
        secret_hint=secret[-4:],
        event_types=[str(t) for t in EventType] if event_types is None else event_types,
        **fields,
    )


@pytest.fixture
def channel(db) -> Channel:  # type: ignore[no-untyped-def]
    return make_channel()


@pytest.fixture
def queued(monkeypatch) -> list[int]:  # type: ignore[no-untyped-def]
    """The delivery ids whose send task was queued (django-q2's async_task, captured)."""
    ids: list[int] = []
    monkeypatch.setattr("notifications.queue.async_task", lambda func, pk, **kwargs: ids.append(pk))
    return ids


@pytest.fixture
def upstream() -> Iterator[responses_lib.RequestsMock]:
    with responses_lib.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
