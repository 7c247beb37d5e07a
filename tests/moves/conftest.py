"""A moved OpsGenie connection and its JSM successor, stored as syncs leave them (no upstream)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from tests.conftest import make_connection

# A fixed "now", 200 days before OpsGenie's end of life (5 April 2027).
NOW = datetime(2026, 9, 17, 12, 0, tzinfo=UTC)
TODAY = date(2026, 9, 17)


@pytest.fixture
def frozen(monkeypatch):  # type: ignore[no-untyped-def]
    """Freeze the app's clock (django.utils.timezone.now, which localdate reads) at ``NOW``;
    ``frozen(at)`` moves it."""
    clock = {"now": NOW}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])

    def move_to(at: datetime) -> None:
        clock["now"] = at

    return move_to


@pytest.fixture
def opsgenie(db):  # type: ignore[no-untyped-def]
    return make_connection(provider="opsgenie")


@pytest.fixture
def jsm(db):  # type: ignore[no-untyped-def]
    connection = make_connection(provider="jsm", region="cloud")
    connection.set_credentials(
        {"site": "acme", "email": "Ops.Lead@Acme.example", "api_token": "t" * 24, "jql": "x"},
        hint="tttt",
    )
    connection.account_name = "acme"
    connection.save()
    return connection
