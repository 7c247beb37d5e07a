"""Two workers that pick the same delivery at the same moment, each on its own database
connection: one sends, the other finds it claimed (PostgreSQL only: SQLite has one writer)."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connections

from notifications.delivery import attempt
from notifications.models import DeliveryStatus

from .conftest import US, make_channel
from .support import delivery_for, failing

on_postgres = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="two writers at once need PostgreSQL (DATABASE_URL=postgres://…)",
)


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_the_delivery_once(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    upstream.post(f"{US}/v2/alerts", json={"requestId": "r"}, status=202)
    delivery = delivery_for(make_channel(), failing(), clock.now)
    start = threading.Barrier(4)
    results = []

    def worker() -> None:
        try:
            start.wait()
            results.append(attempt(delivery.pk, now=clock.now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = [result for result in results if result is not None]
    assert len(sent) == 1 and sent[0].status == DeliveryStatus.DELIVERED
    assert len(upstream.calls) == 1
    delivery.refresh_from_db()
    assert delivery.attempts.count() == 1
