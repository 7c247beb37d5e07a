"""The key of a channel is in no stored payload, attempt, error, log line or exception."""

from __future__ import annotations

import logging
import re

import pytest

from notifications.delivery import attempt
from notifications.models import Attempt, Channel, Delivery

from .conftest import EU, OPSGENIE_KEY, ROUTING_KEY, US, make_channel
from .support import delivery_for, failing

pytestmark = pytest.mark.django_db


def _stored_text() -> str:
    rows = [
        *Delivery.objects.values("payload", "last_answer", "request_id", "message"),
        *Attempt.objects.values("answer"),
        *Channel.objects.values("last_error", "last_error_action", "disabled_reason"),
    ]
    return repr(rows)


def test_an_opsgenie_key_echoed_back_is_stored_and_logged_nowhere(  # type: ignore[no-untyped-def]
    upstream, clock, queued, caplog
) -> None:
    echo = {"message": f"Could not authenticate with GenieKey {OPSGENIE_KEY}"}
    upstream.post(f"{US}/v2/alerts", json=echo, status=401)
    upstream.get(re.compile(re.escape(EU) + ".+"), json={"message": OPSGENIE_KEY}, status=401)
    channel = make_channel()
    with caplog.at_level(logging.DEBUG):
        delivery = attempt(delivery_for(channel, failing(), clock.now).pk, now=clock.now)
    assert delivery.status == "stopped"
    assert OPSGENIE_KEY not in _stored_text()
    assert "[redacted]" in delivery.attempts.get().answer
    assert OPSGENIE_KEY not in caplog.text


def test_a_routing_key_is_sent_but_never_stored(upstream, clock, queued, caplog) -> None:  # type: ignore[no-untyped-def]
    echo = {"status": "invalid event", "message": f"routing_key {ROUTING_KEY} unknown"}
    upstream.post("https://events.pagerduty.com/v2/enqueue", json=echo, status=400)
    channel = make_channel(kind="pagerduty", secret=ROUTING_KEY)
    with caplog.at_level(logging.DEBUG):
        attempt(delivery_for(channel, failing(), clock.now).pk, now=clock.now)
    assert ROUTING_KEY in upstream.calls[0].request.body.decode()
    assert ROUTING_KEY not in _stored_text()
    assert ROUTING_KEY not in caplog.text


def test_a_key_that_breaks_the_request_raises_nothing_that_carries_it(  # type: ignore[no-untyped-def]
    upstream, clock, queued, caplog
) -> None:
    key = OPSGENIE_KEY + "\r\nX-Evil: 1"
    channel = make_channel(secret=key)
    with caplog.at_level(logging.DEBUG):
        delivery = attempt(delivery_for(channel, failing(), clock.now).pk, now=clock.now)
    assert delivery.last_status_code is None and not upstream.calls
    assert OPSGENIE_KEY not in _stored_text() and OPSGENIE_KEY not in caplog.text
