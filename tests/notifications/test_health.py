"""A channel disables itself when 60% or more of its judged deliveries of the last 12 hours
failed, once enough were judged; the other channels are told; an admin can enable it again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lib.events import Event, EventType, emit
from notifications.channel_state import disable_channel, enable_channel
from notifications.delivery import attempt
from notifications.health import check_channel_health, failure_ratio
from notifications.models import Delivery, DeliveryStatus

from .conftest import US, make_channel
from .support import delivery_for, failing, judged

pytestmark = pytest.mark.django_db


def test_exactly_60_percent_failed_disables_the_channel(clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    judged(channel, clock.now, failed=3, delivered=2)
    assert failure_ratio(channel, clock.now) == (3, 5)
    assert check_channel_health(channel.pk, now=clock.now) is True
    channel.refresh_from_db()
    assert not channel.enabled and channel.disabled_automatically
    assert channel.disabled_reason.startswith("3 of its 5 deliveries in the last 12 hours failed")
    # Its open deliveries are cancelled, and kept in the log.
    assert set(channel.deliveries.values_list("status", flat=True)) == {"cancelled", "delivered"}


def test_below_60_percent_the_channel_stays_enabled(clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    judged(channel, clock.now, failed=5, delivered=4)  # 55%
    assert check_channel_health(channel.pk, now=clock.now) is False
    channel.refresh_from_db()
    assert channel.enabled


def test_not_before_the_minimum_number_of_judged_deliveries(clock, queued, settings) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    judged(channel, clock.now, failed=4, delivered=0)
    assert check_channel_health(channel.pk, now=clock.now) is False
    settings.NOTIFICATION_DISABLE_MIN_DELIVERIES = 4
    assert check_channel_health(channel.pk, now=clock.now) is True


def test_deliveries_still_in_their_first_cycle_are_notjudged(clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    judged(channel, clock.now, failed=2, delivered=2)
    Delivery.objects.create(
        channel=channel,
        event_type="check_failing",
        alias="x",
        message="m",
        created_at=clock.now,
        status=DeliveryStatus.RETRYING,
        next_attempt_at=clock.now,
    )
    assert failure_ratio(channel, clock.now) == (2, 4)


def test_test_deliveries_do_not_count(clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    judged(channel, clock.now, failed=3, delivered=2)
    Delivery.objects.update(is_test=True)
    assert failure_ratio(channel, clock.now) == (0, 0)


def test_the_window_slides_an_old_failure_drops_out(clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    judged(channel, clock.now, failed=1, delivered=0)
    judged(channel, clock.advance(hours=2), failed=2, delivered=2)
    assert failure_ratio(channel, clock.now) == (3, 5)
    # Twelve hours after the first failure it no longer counts: 2 of 4 is 50%.
    later = clock.now + timedelta(hours=10)
    assert failure_ratio(channel, later) == (2, 4)
    assert check_channel_health(channel.pk, now=later) is False
    assert check_channel_health(channel.pk, now=clock.now) is True


def test_the_other_channels_are_told_and_the_disabled_one_records_nothing(clock, queued) -> None:  # type: ignore[no-untyped-def]
    failing_channel = make_channel("Broken")
    other = make_channel("Other", event_types=["channel_disabled"])
    judged(failing_channel, clock.now, failed=3, delivered=2)
    check_channel_health(failing_channel.pk, now=clock.now)
    told = other.deliveries.get()
    assert told.event_type == "channel_disabled"
    assert told.message == "Notification channel “Broken” was disabled itself"
    assert told.payload["description"].startswith("3 of its 5 deliveries")
    assert not failing_channel.deliveries.filter(event_type="channel_disabled").exists()


def test_a_channel_disabled_already_is_not_disabled_twice(clock, queued, admin_user) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    other = make_channel("Other", event_types=["channel_disabled"])
    assert disable_channel(channel, by=admin_user, automatically=False, reason="maintenance")
    assert not disable_channel(channel, automatically=True, reason="too many failures")
    channel.refresh_from_db()
    assert (channel.disabled_by, channel.disabled_reason) == (admin_user, "maintenance")
    assert other.deliveries.count() == 1
    assert (
        other.deliveries.get().message
        == "Notification channel “On-call” was disabled by alice-admin"
    )


def test_failing_attempts_disable_the_channel_at_the_threshold(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel(event_types=["check_failing"])
    upstream.post(f"{US}/v2/alerts", json={"result": "ok", "requestId": "r"}, status=202)
    for n in range(2):
        attempt(delivery_for(channel, failing(f"ok-{n}"), clock.now).pk, now=clock.now)
    upstream.replace("POST", f"{US}/v2/alerts", status=403, json={"message": "use an integration"})
    for n in range(2):
        attempt(delivery_for(channel, failing(f"refused-{n}"), clock.now).pk, now=clock.now)
        channel.refresh_from_db()
        assert channel.enabled  # 1 of 3, then 2 of 4
    attempt(delivery_for(channel, failing("refused-2"), clock.now).pk, now=clock.now)
    channel.refresh_from_db()
    assert not channel.enabled and channel.disabled_automatically


def test_enabling_again_gives_a_fresh_start_and_tells_every_channel(
    clock, queued, admin_user
) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel("Broken")
    other = make_channel("Other", event_types=["channel_disabled", "channel_changed"])
    judged(channel, clock.now, failed=3, delivered=2)
    check_channel_health(channel.pk, now=clock.now)
    Delivery.objects.filter(channel=other).update(status=DeliveryStatus.DELIVERED)
    channel.refresh_from_db()
    version = channel.version

    assert enable_channel(channel, by=admin_user, now=clock.advance(minutes=10))
    channel.refresh_from_db()
    assert channel.enabled and channel.disabled_at is None and channel.version == version + 1
    assert failure_ratio(channel, clock.now) == (0, 0)
    # One new failure is not 60% of a trend: the old ones no longer count.
    judged(channel, clock.advance(minutes=1), failed=1, delivered=0)
    assert check_channel_health(channel.pk, now=clock.now) is False
    # The others' "disabled" alert is closed, and they hear it was enabled.
    told = list(other.deliveries.order_by("pk").values_list("event_type", "action"))
    assert told == [
        ("channel_disabled", "open"),
        ("channel_disabled", "close"),
        ("channel_changed", "open"),
    ]
    assert not enable_channel(channel, by=admin_user)


def test_events_emitted_while_disabled_are_not_recorded(clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    disable_channel(channel, automatically=True, reason="x")
    emit(Event(type=EventType.USER_CREATED, alias="user:1", message="User created"))
    assert not channel.deliveries.exists()
