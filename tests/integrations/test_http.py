from __future__ import annotations

import pytest
import responses

from integrations.http import ErrorKind, UpstreamError, UpstreamSession
from integrations.providers.opsgenie.client import rate_limit_wait

URL = "https://api.opsgenie.com/v1/incidents"


def _session(**kwargs) -> tuple[UpstreamSession, list[float]]:  # type: ignore[no-untyped-def]
    waits: list[float] = []
    session = UpstreamSession(
        headers={"Authorization": "GenieKey k"},
        rate_limit_wait=rate_limit_wait,
        backoff_base=1.0,
        sleep=waits.append,
        **kwargs,
    )
    return session, waits


@responses.activate
def test_a_429_waits_as_long_as_opsgenie_says() -> None:
    responses.get(URL, status=429, headers={"X-RateLimit-Period-In-Sec": "60"}, json={})
    responses.get(URL, json={"data": []})
    session, waits = _session()
    assert session.get_json(URL).data == {"data": []}
    assert waits == [60.0]
    assert (session.stats.calls, session.stats.retries) == (2, 1)


@responses.activate
def test_5xx_backs_off_exponentially_with_a_cap() -> None:
    responses.get(URL, status=503, json={"message": "down"})
    session, waits = _session(max_attempts=8)
    with pytest.raises(UpstreamError) as raised:
        session.get_json(URL)
    assert waits == [1, 2, 4, 8, 16, 30, 30]
    assert raised.value.kind == ErrorKind.UNAVAILABLE
    assert raised.value.attempts == 8
    assert not raised.value.permanent


@responses.activate
@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, ErrorKind.UNAUTHORIZED), (402, ErrorKind.PAYMENT_REQUIRED), (403, ErrorKind.FORBIDDEN)],
)
def test_auth_errors_are_permanent_and_never_retried(status: int, kind: ErrorKind) -> None:
    responses.get(URL, status=status, json={"message": "no", "took": 0, "requestId": "r"})
    session, waits = _session()
    with pytest.raises(UpstreamError) as raised:
        session.get_json(URL)
    assert raised.value.kind == kind and raised.value.permanent
    assert waits == [] and len(responses.calls) == 1


@responses.activate
def test_redirects_are_not_followed_so_the_key_stays_on_its_host() -> None:
    responses.get(URL, status=302, headers={"Location": "https://evil.example/steal"})
    session, _ = _session()
    with pytest.raises(UpstreamError) as raised:
        session.get_json(URL)
    assert raised.value.status == 302
    assert len(responses.calls) == 1


@responses.activate
def test_upstream_messages_are_shortened_and_stripped_of_control_characters() -> None:
    responses.get(URL, status=400, json={"message": "bad\x1b[31m" + "x" * 1000})
    session, _ = _session()
    with pytest.raises(UpstreamError) as raised:
        session.get_json(URL)
    assert "\x1b" not in raised.value.message
    assert len(raised.value.message) == 300


@responses.activate
def test_a_pagerduty_style_error_envelope_is_understood() -> None:
    responses.get(URL, status=400, json={"error": {"message": "Invalid Input", "code": 2001}})
    session, _ = _session()
    with pytest.raises(UpstreamError) as raised:
        session.get_json(URL)
    assert (raised.value.message, raised.value.code) == ("Invalid Input", 2001)


@responses.activate
def test_a_connection_reset_is_retried_with_backoff() -> None:
    import requests

    responses.get(URL, body=requests.ConnectionError("Connection reset by peer"))
    responses.get(URL, body=requests.ConnectionError("Connection reset by peer"))
    responses.get(URL, json={"data": [1]})
    session, waits = _session()
    assert session.get_json(URL).data == {"data": [1]}
    assert waits == [1, 2] and session.stats.retries == 2
