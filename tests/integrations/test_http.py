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


@responses.activate
def test_a_body_cut_short_is_retried_like_a_5xx() -> None:
    responses.get(URL, body='{"data": [1, 2', content_type="application/json")
    responses.get(URL, body="<html>Bad gateway</html>", content_type="text/html")
    responses.get(URL, json={"data": [1, 2]})
    session, waits = _session()
    assert session.get_json(URL, require="data").data == {"data": [1, 2]}
    assert waits == [1, 2] and session.stats.retries == 2


@responses.activate
def test_a_page_without_its_list_is_retried_then_fails_as_malformed() -> None:
    responses.get(URL, json={"unexpected": True})
    session, waits = _session(max_attempts=3)
    with pytest.raises(UpstreamError) as raised:
        session.get_json(URL, require="data")
    assert raised.value.kind == ErrorKind.MALFORMED and not raised.value.permanent
    assert "without a data list" in raised.value.message
    assert waits == [1, 2] and len(responses.calls) == 3


class FakeClock:
    """Time that passes only when the session sleeps (or a test says so)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@responses.activate
def test_a_call_gives_up_at_its_deadline_counting_retries_and_waits() -> None:
    responses.get(URL, status=503, json={"message": "down"})
    clock = FakeClock()
    session = UpstreamSession(
        headers={}, max_attempts=10, backoff_base=4.0, deadline=20.0, clock=clock
    )
    session.sleep = clock.sleep
    with pytest.raises(UpstreamError) as raised:
        session.get_json(URL)
    # Waits of 4 and 8 s fit in 20 s; the next (16 s) would end past it, so it stops there.
    assert raised.value.kind == ErrorKind.UNAVAILABLE
    assert len(responses.calls) == 3 and clock.now - 1000.0 == 12.0


@responses.activate
def test_a_rate_limit_wait_longer_than_the_deadline_is_not_waited() -> None:
    responses.get(URL, status=429, headers={"X-RateLimit-Period-In-Sec": "60"}, json={})
    clock = FakeClock()
    session = UpstreamSession(
        headers={}, rate_limit_wait=rate_limit_wait, deadline=20.0, clock=clock
    )
    session.sleep = clock.sleep
    with pytest.raises(UpstreamError) as raised:
        session.get_json(URL)
    assert raised.value.kind == ErrorKind.RATE_LIMITED
    assert len(responses.calls) == 1 and clock.now == 1000.0


@responses.activate
def test_each_request_timeout_is_cut_to_what_is_left_of_the_deadline() -> None:
    responses.get(URL, json={"data": []})
    clock = FakeClock()
    session = UpstreamSession(headers={}, timeout=15.0, deadline=5.0, clock=clock)
    session.get_json(URL)
    assert responses.calls[0].request.req_kwargs["timeout"] == 5.0


@responses.activate
def test_post_json_sends_the_body_and_accepts_only_the_named_statuses() -> None:
    alerts = "https://api.opsgenie.com/v2/alerts"
    responses.post(alerts, status=202, json={"result": "Request will be processed"})
    session, _ = _session()
    answer = session.post_json(alerts, {"message": "[Test message] hello"}, ok={202})
    assert answer.status == 202 and answer.data["result"] == "Request will be processed"
    sent = responses.calls[0].request
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.body == b'{"message": "[Test message] hello"}'

    responses.post(alerts, status=200, json={})
    with pytest.raises(UpstreamError) as raised:
        session.post_json(alerts, {"message": "m"}, ok={202})
    assert raised.value.status == 200 and raised.value.kind == ErrorKind.HTTP


@responses.activate
def test_post_json_retries_a_5xx_and_stops_on_a_422() -> None:
    alerts = "https://api.opsgenie.com/v2/alerts"
    responses.post(alerts, status=503, json={"message": "down"})
    responses.post(alerts, status=202, json={"result": "ok"})
    session, waits = _session()
    assert session.post_json(alerts, {"message": "m"}, ok={202}).status == 202
    assert waits == [1]
    responses.post(alerts, status=422, json={"message": "Message can not be empty"})
    with pytest.raises(UpstreamError) as raised:
        session.post_json(alerts, {"message": ""}, ok={202})
    assert raised.value.permanent and raised.value.message == "Message can not be empty"


def test_the_wizard_s_probes_of_both_regions_share_one_20_second_deadline(
    settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from integrations import http
    from integrations.providers.opsgenie.client import OpsgenieClient
    from integrations.validation import Wording, validate_api_key

    settings.UPSTREAM_INTERACTIVE_DEADLINE_SECONDS = 20.0
    settings.UPSTREAM_SYNC_DEADLINE_SECONDS = 600.0
    clock = FakeClock()
    monkeypatch.setattr(http.time, "monotonic", clock)
    given: list[float | None] = []

    class Spy(OpsgenieClient):
        def check_incident_access(self) -> None:
            given.append(self.session.deadline)
            clock.sleep(7.0)  # the asked region takes 7 s to say 401
            if self.region == "us":
                raise UpstreamError(ErrorKind.UNAUTHORIZED, status=401)

    wording = Wording(provider="X", invalid="i", forbidden="f", payment="p")
    failure = validate_api_key(Spy, api_key="k", region="us", wording=wording)
    assert failure is not None and failure.action == "select_region"  # the EU probe said yes
    assert given == [20.0, 13.0]  # the second probe gets what the first left
    assert OpsgenieClient(api_key="k", region="us").session.deadline == 600.0


@responses.activate
def test_a_netrc_entry_for_the_upstream_never_replaces_the_key(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    netrc = tmp_path / "netrc"
    netrc.write_text("machine api.opsgenie.com login someone password their-password\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    responses.get(URL, json={"data": []})
    responses.post(URL.replace("incidents", "token"), body="")
    session, _waits = _session()
    session.get_json(URL)
    session.post_form(URL.replace("incidents", "token"), {"code": "c"}, json_answer=False)
    assert [call.request.headers["Authorization"] for call in responses.calls] == [
        "GenieKey k",
        "GenieKey k",
    ]


@responses.activate
def test_the_environments_proxy_and_ca_bundle_still_apply(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An operator behind a corporate proxy sets them; NO_PROXY leaves a host out."""
    for name in ("https_proxy", "http_proxy", "all_proxy", "no_proxy", "NO_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp.example:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.corp.example:3128")
    monkeypatch.setenv("NO_PROXY", "sandbox.internal")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/corp/ca.pem")
    inside = "http://sandbox.internal/v1/incidents"
    responses.get(URL, json={"data": []})
    responses.get(inside, json={"data": []})
    session, _waits = _session()
    session.get_json(URL)
    session.get_json(inside)
    outside, bypassed = (call.request.req_kwargs for call in responses.calls)
    assert outside["proxies"]["https"] == "http://proxy.corp.example:3128"
    assert not bypassed["proxies"]
    assert outside["verify"] == bypassed["verify"] == "/etc/corp/ca.pem"
