"""Settings → Notifications lists every channel with its last delivery and its failures of the
last 12 hours, for the same number of queries however many channels there are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Channel, Delivery, DeliveryStatus

from .conftest import make_channel

pytestmark = pytest.mark.django_db

LIST = "/settings/notifications/"


def _channel_with_deliveries(name: str) -> Channel:
    """A channel whose last delivery was delivered, after one that failed: 1 of 2 failed."""
    channel, now = make_channel(name), timezone.now()
    for minutes_ago, status in ((20, DeliveryStatus.RETRYING), (10, DeliveryStatus.DELIVERED)):
        at = now - timedelta(minutes=minutes_ago)
        Delivery.objects.create(
            channel=channel,
            event_type="check_failing",
            alias=f"{name}:{minutes_ago}",
            message="m",
            created_at=at,
            status=status,
            failed_at=at if status == DeliveryStatus.RETRYING else None,
        )
    return channel


def test_five_channels_cost_the_queries_of_one(admin_client, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    _channel_with_deliveries("Channel 1")
    admin_client.get(LIST)  # the session and permissions are read and cached as for any page
    with CaptureQueriesContext(connection) as one_channel:
        admin_client.get(LIST)
    names = [f"Channel {n}" for n in range(2, 6)]
    for name in names:
        _channel_with_deliveries(name)
    with django_assert_num_queries(len(one_channel)):
        page = admin_client.get(LIST).content.decode()
    for name in ["Channel 1", *names]:
        assert name in page
    assert page.count("50% failed (1 of 2) in the last 12 hours") == 5
    assert page.count(": Delivered") == 5
