from __future__ import annotations

import json
import time

import pytest
import requests

from integrations.sandbox.faults import FaultConfigError, Faults
from integrations.sandbox.server import SandboxServer
from tests.sandbox.support import call


def test_a_rate_limit_fault_answers_429_with_throttle_headers_then_recovers(
    sandbox: SandboxServer,
):
    sandbox.faults.set(rate_limit=2, rate_limit_period_seconds=1)

    throttled = [call(sandbox, "/v1/incidents") for _ in range(2)]
    recovered = call(sandbox, "/v1/incidents")

    for response in throttled:
        assert response.status_code == 429
        assert response.json()["message"] == "You are making too many requests!"
        assert response.headers["X-RateLimit-State"] == "THROTTLED"
        assert response.headers["X-RateLimit-Reason"]
        assert response.headers["X-RateLimit-Period-In-Sec"] == "1"
        assert response.json()["requestId"] == response.headers["X-Request-ID"]
    assert recovered.status_code == 200
    assert recovered.headers["X-RateLimit-State"] == "OK"


def test_a_burst_of_server_errors_ends_and_the_service_recovers(sandbox: SandboxServer):
    sandbox.faults.set(server_errors=3, server_error_status=503)

    statuses = [call(sandbox, "/v2/users").status_code for _ in range(4)]

    assert statuses == [503, 503, 503, 200]


def test_a_server_error_still_has_the_json_envelope(sandbox: SandboxServer):
    sandbox.faults.set(server_errors=1)

    response = call(sandbox, "/v1/incidents")

    assert response.status_code == 500
    assert set(response.json()) == {"message", "took", "requestId"}


def test_a_malformed_fault_truncates_the_next_successful_body(sandbox: SandboxServer):
    sandbox.faults.set(malformed=1)

    broken = call(sandbox, "/v1/incidents")
    whole = call(sandbox, "/v1/incidents")

    assert broken.status_code == 200
    assert broken.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
    assert whole.json()["data"]


def test_an_unauthenticated_request_does_not_use_up_a_fault(sandbox: SandboxServer):
    sandbox.faults.set(server_errors=1)

    assert call(sandbox, "/v1/incidents", key=None).status_code == 401
    assert call(sandbox, "/v1/incidents").status_code == 500


def test_a_delay_fault_slows_every_answer(sandbox: SandboxServer):
    sandbox.faults.set(delay_seconds=0.3)

    started = time.monotonic()
    response = call(sandbox, "/v2/teams")

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_faults_never_apply_to_the_control_api(sandbox: SandboxServer):
    sandbox.faults.set(rate_limit=5, server_errors=5, malformed=5)

    keys = requests.get(f"{sandbox.base_url}/_sandbox/keys", timeout=10)

    assert keys.status_code == 200
    assert keys.json()["keys"] == sandbox.keys.as_dict()
    assert sandbox.faults.snapshot()["rate_limit"] == 5


def test_faults_are_set_read_and_cleared_over_http(sandbox: SandboxServer):
    url = f"{sandbox.base_url}/_sandbox/faults"

    set_ = requests.post(url, json={"server_errors": 1, "server_error_status": 502}, timeout=10)
    read = requests.get(url, timeout=10)
    failing = call(sandbox, "/v2/teams")
    requests.post(url, json={"rate_limit": 9}, timeout=10)
    cleared = requests.delete(url, timeout=10)

    assert set_.json()["server_errors"] == 1
    assert read.json()["server_error_status"] == 502
    assert failing.status_code == 502
    assert cleared.json()["rate_limit"] == 0
    assert call(sandbox, "/v2/teams").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"explode": 1}, {"rate_limit": -1}, {"server_error_status": 404}, [1, 2], "not json"],
)
def test_an_unusable_fault_setting_is_rejected_with_400(sandbox: SandboxServer, body: object):
    url = f"{sandbox.base_url}/_sandbox/faults"
    data = body if isinstance(body, str) else json.dumps(body)

    response = requests.post(url, data=data, timeout=10)

    assert response.status_code == 400
    assert response.json()["message"]
    assert sandbox.faults.snapshot() == Faults().snapshot()


def test_faults_are_consumed_once_each_under_concurrency():
    faults = Faults()
    faults.set(server_errors=50)

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        draws = list(pool.map(lambda _: faults.draw(), range(200)))

    assert sum(draw.fails for draw in draws) == 50


def test_setting_an_unknown_fault_from_python_raises():
    with pytest.raises(FaultConfigError):
        Faults().set(meteor_strike=1)
