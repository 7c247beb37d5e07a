"""Sending a delivery: what each answer leads to, the retry cycles as scheduled rows, and the
claim that keeps two workers from sending one delivery twice."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from notifications.delivery import attempt, claim, lease
from notifications.models import Delivery, DeliveryStatus
from notifications.retry import CYCLES

from .conftest import EU, US, make_channel
from .support import delivery_for, failing, recovered

pytestmark = pytest.mark.django_db
ACCEPTED = {"result": "Request will be processed", "took": 0.01, "requestId": "req-7"}


def _answered(delivery: Delivery) -> object:
    last = delivery.attempts.last()
    return last.at + timedelta(milliseconds=last.duration_ms)


def test_an_accepted_alert_is_delivered_with_its_request_id(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel(last_error="HTTP 401: old", last_error_action="enter the key")
    upstream.post(f"{US}/v2/alerts", json=ACCEPTED, status=202)
    delivery = delivery_for(channel, failing(), clock.now)
    delivery = attempt(delivery.pk, now=clock.now)
    assert (delivery.status, delivery.request_id, delivery.attempt_count) == (
        "delivered",
        "req-7",
        1,
    )
    logged = delivery.attempts.get()
    assert (logged.status_code, logged.ok, logged.cycle, logged.step) == (202, True, 0, 0)
    assert json.loads(logged.answer)["requestId"] == "req-7"
    channel.refresh_from_db()
    assert (channel.last_error, channel.last_error_action) == ("", "")
    assert json.loads(upstream.calls[0].request.body) == delivery.payload


def test_every_retry_follows_the_cycles_then_the_delivery_fails(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    upstream.post(f"{US}/v2/alerts", json={"message": "Internal Server Error"}, status=500)
    delivery = delivery_for(channel, failing(), clock.now)
    waits = []
    while True:
        # One millisecond early nothing is sent: the retry is a time on the row, not a sleep.
        if delivery.attempt_count:
            assert (
                attempt(delivery.pk, now=delivery.next_attempt_at - timedelta(milliseconds=1))
                is None
            )
        delivery = attempt(delivery.pk, now=delivery.next_attempt_at)
        if delivery.status != DeliveryStatus.RETRYING:
            break
        waits.append(delivery.next_attempt_at - _answered(delivery))
    assert waits == [wait for cycle in CYCLES for wait in cycle]
    assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
    assert delivery.attempt_count == len(upstream.calls) == 1 + 5 + 5 + 6
    steps = list(delivery.attempts.values_list("cycle", "step"))
    assert steps[:3] == [(0, 0), (1, 0), (1, 1)] and steps[-1] == (3, 5)


def test_the_delivery_counts_as_failed_once_its_first_cycle_is_over(
    upstream, clock, queued
) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    upstream.post(f"{US}/v2/alerts", status=503)
    delivery = delivery_for(channel, failing(), clock.now)
    for _ in range(5):  # the first send and four retries of the first cycle
        delivery = attempt(delivery.pk, now=delivery.next_attempt_at)
        assert delivery.failed_at is None
    delivery = attempt(delivery.pk, now=delivery.next_attempt_at)  # its fifth retry
    assert delivery.failed_at == _answered(delivery)
    assert delivery.status == DeliveryStatus.RETRYING and (delivery.cycle, delivery.step) == (2, 0)


def test_a_429_waits_for_the_rate_limit_when_it_is_longer(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    upstream.post(
        f"{US}/v2/alerts",
        json={"message": "You are making too many requests!"},
        status=429,
        headers={"X-RateLimit-Period-In-Sec": "60"},
    )
    delivery = attempt(delivery_for(channel, failing(), clock.now).pk, now=clock.now)
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.next_attempt_at - _answered(delivery) == timedelta(seconds=60)


def test_a_429_shorter_than_the_step_waits_the_step(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    upstream.post(f"{US}/v2/alerts", status=429, headers={"Retry-After": "0.5"})
    delivery = attempt(delivery_for(channel, failing(), clock.now).pk, now=clock.now)
    assert delivery.next_attempt_at - _answered(delivery) == timedelta(seconds=1)


def test_a_401_stops_and_names_the_other_region_when_it_knows_the_key(
    upstream, clock, queued
) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    upstream.post(f"{US}/v2/alerts", json={"message": "Could not authenticate"}, status=401)
    upstream.get(re.compile(re.escape(EU) + r"/v2/alerts/requests/.+"), status=404, json={})
    delivery = attempt(delivery_for(channel, failing(), clock.now).pk, now=clock.now)
    assert delivery.status == DeliveryStatus.STOPPED and delivery.next_attempt_at is None
    assert delivery.failed_at is not None
    channel.refresh_from_db()
    assert channel.last_error == "HTTP 401: Could not authenticate"
    assert "EU region" in channel.last_error_action
    assert channel.last_error_at == delivery.failed_at


def test_a_401_unknown_in_both_regions_asks_for_the_key_again(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel(endpoint="eu")
    upstream.post(f"{EU}/v2/alerts", json={"message": "Could not authenticate"}, status=401)
    upstream.get(re.compile(re.escape(US) + r"/v2/alerts/requests/.+"), status=401, json={})
    attempt(delivery_for(channel, failing(), clock.now).pk, now=clock.now)
    channel.refresh_from_db()
    assert "Enter the key of the team's API integration again" in channel.last_error_action


def test_a_403_asks_for_a_team_integration_key(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    upstream.post(
        f"{US}/v2/alerts",
        json={
            "code": 40301,
            "message": "To perform this action, use an API key from an API integration.",
        },
        status=403,
    )
    delivery = attempt(delivery_for(channel, failing(), clock.now).pk, now=clock.now)
    assert delivery.status == DeliveryStatus.STOPPED
    channel.refresh_from_db()
    assert channel.last_error_action.startswith("Use the key of an API integration of a team")
    assert "not an account key" in channel.last_error_action


def test_a_422_shows_opsgenies_own_message(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    upstream.post(
        f"{US}/v2/alerts",
        json={
            "message": "Request body is not processable. Please check the errors.",
            "errors": {"priority": "should be one of [ P1, P2, P3, P4, P5 ]"},
        },
        status=422,
    )
    delivery = attempt(delivery_for(channel, failing(), clock.now).pk, now=clock.now)
    assert delivery.status == DeliveryStatus.STOPPED and len(upstream.calls) == 1
    channel.refresh_from_db()
    assert "priority: should be one of [ P1, P2, P3, P4, P5 ]" in channel.last_error
    assert "priority: should be one of" in channel.last_error_action


def test_a_pagerduty_400_stops_with_its_errors(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel(kind="pagerduty", secret="b" * 32)
    upstream.post(
        "https://events.pagerduty.com/v2/enqueue",
        json={
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": ["Invalid routing key"],
        },
        status=400,
    )
    delivery = attempt(delivery_for(channel, failing(), clock.now).pk, now=clock.now)
    assert delivery.status == DeliveryStatus.STOPPED
    channel.refresh_from_db()
    assert channel.last_error == "HTTP 400: Event object is invalid — Invalid routing key"


def test_two_workers_claiming_at_once_send_once(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    delivery = delivery_for(channel, failing(), clock.now)
    assert claim(delivery.pk, now=clock.now) is not None
    assert claim(delivery.pk, now=clock.now) is None
    assert attempt(delivery.pk, now=clock.now) is None
    assert not upstream.calls


def test_a_delivery_left_claimed_by_a_dead_worker_is_sent_once_the_claim_expires(
    upstream, clock, queued
) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    upstream.post(f"{US}/v2/alerts", json=ACCEPTED, status=202)
    delivery = delivery_for(channel, failing(), clock.now)
    claim(delivery.pk, now=clock.now)  # ... and the worker dies before sending
    assert attempt(delivery.pk, now=clock.now + lease() - timedelta(seconds=1)) is None
    delivery = attempt(delivery.pk, now=clock.now + lease())
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(upstream.calls) == 1 and delivery.attempts.count() == 1


def test_a_delivery_finished_is_never_sent_again(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    upstream.post(f"{US}/v2/alerts", json=ACCEPTED, status=202)
    delivery = delivery_for(channel, failing(), clock.now)
    attempt(delivery.pk, now=clock.now)
    assert attempt(delivery.pk, now=clock.advance(hours=1)) is None
    assert len(upstream.calls) == 1


def test_a_delivery_of_a_disabled_channel_is_cancelled_not_sent(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    delivery = delivery_for(channel, failing(), clock.now)
    type(channel).objects.filter(pk=channel.pk).update(enabled=False)
    delivery = attempt(delivery.pk, now=clock.now)
    assert delivery.status == DeliveryStatus.CANCELLED and not upstream.calls


def test_a_close_waits_for_the_alert_it_closes_to_be_sent(upstream, clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    upstream.post(f"{US}/v2/alerts", status=503)
    opened = attempt(delivery_for(channel, failing(), clock.now).pk, now=clock.now)
    type(opened).objects.filter(pk=opened.pk).update(status=DeliveryStatus.DELIVERED)
    # The check fails again, and recovers, while OpsGenie is down.
    reopened = attempt(delivery_for(channel, failing(), clock.advance(minutes=5)).pk, now=clock.now)
    assert reopened.status == DeliveryStatus.RETRYING
    close = delivery_for(channel, recovered(), clock.advance(seconds=0.5))
    assert attempt(close.pk, now=clock.advance(seconds=1)) is None  # not before the open
    upstream.replace("POST", f"{US}/v2/alerts", json=ACCEPTED, status=202)
    upstream.post(f"{US}/v2/alerts/check%3Amfa-enforced/close", json=ACCEPTED, status=202)
    assert attempt(reopened.pk, now=reopened.next_attempt_at).status == DeliveryStatus.DELIVERED
    assert attempt(close.pk, now=clock.advance(seconds=1)).status == DeliveryStatus.DELIVERED
    assert [call.request.url.split("/v2/")[1] for call in upstream.calls[-2:]] == [
        "alerts",
        "alerts/check%3Amfa-enforced/close?identifierType=alias",
    ]
