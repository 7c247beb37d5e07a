"""One request per send, to the host settings name for the channel's endpoint, with the key
where the upstream reads it; answers come back redacted and bounded."""

from __future__ import annotations

import json
import re

import pytest
import requests

from notifications.transport import (
    UNSENDABLE,
    Target,
    UnknownEndpoint,
    probe_other_region,
    request_status,
    send,
)

from .conftest import EU, OPSGENIE_KEY, ROUTING_KEY, US

JSM = "https://api.atlassian.com/jsm/ops/integration"
ACCEPTED = {"result": "Request will be processed", "took": 0.01, "requestId": "req-1"}


def _target(endpoint: str = "us", kind: str = "opsgenie", secret: str = OPSGENIE_KEY) -> Target:
    return Target(kind, endpoint, secret)


def test_a_create_posts_to_the_region_with_the_genie_key(upstream) -> None:  # type: ignore[no-untyped-def]
    upstream.post(f"{EU}/v2/alerts", json=ACCEPTED, status=202)
    answer = send(_target("eu"), "open", "check:a", {"message": "m"}, deadline=5)
    assert (answer.status, answer.request_id, answer.ok) == (202, "req-1", True)
    request = upstream.calls[0].request
    assert request.headers["Authorization"] == f"GenieKey {OPSGENIE_KEY}"
    assert json.loads(request.body) == {"message": "m"}
    assert len(upstream.calls) == 1


def test_a_close_is_by_alias_url_encoded_with_identifier_type(upstream) -> None:  # type: ignore[no-untyped-def]
    upstream.post(f"{US}/v2/alerts/check%3Aoffboarded%2Fitem%201/close", json=ACCEPTED, status=202)
    answer = send(_target(), "close", "check:offboarded/item 1", {"source": "x"}, deadline=5)
    assert answer.status == 202
    url = upstream.calls[0].request.url
    assert url == f"{US}/v2/alerts/check%3Aoffboarded%2Fitem%201/close?identifierType=alias"


def test_jsm_uses_its_own_base_and_the_same_header(upstream) -> None:  # type: ignore[no-untyped-def]
    upstream.post(f"{JSM}/v2/alerts", json=ACCEPTED, status=202)
    send(_target("jsm"), "open", "a", {"message": "m"}, deadline=5)
    assert upstream.calls[0].request.headers["Authorization"] == f"GenieKey {OPSGENIE_KEY}"


def test_pagerduty_gets_the_routing_key_in_the_body_at_send_time(upstream) -> None:  # type: ignore[no-untyped-def]
    upstream.post(
        "https://events.eu.pagerduty.com/v2/enqueue",
        json={"status": "success", "message": "Event processed", "dedup_key": "check:a"},
        status=202,
    )
    payload = {"event_action": "trigger", "dedup_key": "check:a"}
    answer = send(_target("eu", "pagerduty", ROUTING_KEY), "open", "check:a", payload, deadline=5)
    assert (answer.status, answer.request_id) == (202, "check:a")
    assert json.loads(upstream.calls[0].request.body)["routing_key"] == ROUTING_KEY
    assert "routing_key" not in payload  # the stored payload is left as it was


def test_an_echoed_key_is_redacted_and_the_answer_cut_to_1000(upstream) -> None:  # type: ignore[no-untyped-def]
    echo = {"message": f"Key {OPSGENIE_KEY} is invalid " + "z" * 2_000}
    upstream.post(f"{US}/v2/alerts", json=echo, status=401)
    answer = send(_target(), "open", "a", {"message": "m"}, deadline=5)
    assert answer.status == 401
    assert OPSGENIE_KEY not in answer.text and "[redacted]" in answer.text
    assert len(answer.text) == 1_000


def test_a_429_says_how_long_to_wait(upstream) -> None:  # type: ignore[no-untyped-def]
    upstream.post(
        f"{US}/v2/alerts",
        json={"message": "You are making too many requests!"},
        status=429,
        headers={"X-RateLimit-Period-In-Sec": "60"},
    )
    answer = send(_target(), "open", "a", {"message": "m"}, deadline=5)
    assert (answer.status, answer.retry_after) == (429, 60.0)
    assert len(upstream.calls) == 1  # never retried here: the delivery's cycles do that


def test_no_answer_is_a_status_of_none(upstream) -> None:  # type: ignore[no-untyped-def]
    upstream.post(f"{US}/v2/alerts", body=requests.ConnectTimeout())
    answer = send(_target(), "open", "a", {"message": "m"}, deadline=5)
    assert answer.status is None and "timed out" in answer.text


def test_a_key_no_header_can_carry_is_an_answer_without_the_key(upstream) -> None:  # type: ignore[no-untyped-def]
    key = OPSGENIE_KEY + "\nX-Injected: 1"
    answer = send(_target(secret=key), "open", "a", {"message": "m"}, deadline=5)
    assert (answer.status, answer.text) == (None, UNSENDABLE)
    assert not upstream.calls


def test_the_key_is_not_in_the_targets_repr() -> None:
    assert OPSGENIE_KEY not in repr(_target()) and ROUTING_KEY not in str(
        _target(kind="pagerduty", secret=ROUTING_KEY)
    )


def test_a_pagerduty_channel_has_no_jsm_endpoint() -> None:
    with pytest.raises(UnknownEndpoint):
        send(_target("jsm", "pagerduty", ROUTING_KEY), "open", "a", {}, deadline=5)


def test_the_request_status_names_what_opsgenie_did(upstream) -> None:  # type: ignore[no-untyped-def]
    upstream.get(
        f"{US}/v2/alerts/requests/req-1",
        json={"data": {"success": True, "isSuccess": True, "status": "Created alert"}},
    )
    answer = request_status(_target(), "req-1", deadline=5)
    assert (answer.status, answer.text) == (200, "Created alert")


def test_an_unsuccessful_request_says_so(upstream) -> None:  # type: ignore[no-untyped-def]
    upstream.get(
        f"{US}/v2/alerts/requests/req-2",
        json={"data": {"success": False, "isSuccess": False, "status": "Alert does not exist"}},
    )
    answer = request_status(_target(), "req-2", deadline=5)
    assert answer.text == "Alert does not exist (not successful)"


@pytest.mark.parametrize(("status", "region"), [(401, None), (404, "eu"), (403, "eu")])
def test_the_probe_asks_the_other_region_whether_it_knows_the_key(  # type: ignore[no-untyped-def]
    upstream, status, region
) -> None:
    upstream.get(
        re.compile(rf"{re.escape(EU)}/v2/alerts/requests/[0-9a-f-]{{36}}"),
        json={"message": "x"},
        status=status,
    )
    assert probe_other_region(_target("us"), deadline=5) == region
    assert upstream.calls[0].request.headers["Authorization"] == f"GenieKey {OPSGENIE_KEY}"


def test_jsm_has_no_other_region(upstream) -> None:  # type: ignore[no-untyped-def]
    assert probe_other_region(_target("jsm"), deadline=5) is None
    assert not upstream.calls
