"""Settings → Notifications lists every channel with its last delivery and its failures of the
last 12 hours, for the same number of queries however many channels there are."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Channel

from .conftest import make_channel
from .support import judged

pytestmark = pytest.mark.django_db

LIST = "/settings/notifications/"


def _channel_with_deliveries(name: str) -> Channel:
    """A channel whose last delivery was delivered, after one that failed: 1 of 2 failed."""
    channel = make_channel(name)
    judged(channel, timezone.now(), failed=1, delivered=1)
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
