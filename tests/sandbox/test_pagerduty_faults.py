from __future__ import annotations

import json
import time

import pytest

from integrations.sandbox.server import SandboxServer
from tests.sandbox.pagerduty_support import pd_call


def test_a_rate_limit_fault_is_a_429_code_2020_with_the_reset_header_then_recovers(
    sandbox: SandboxServer,
):
    sandbox.faults.set(rate_limit=2, rate_limit_period_seconds=7)

    throttled = [pd_call(sandbox, "/incidents") for _ in range(2)]
    recovered = pd_call(sandbox, "/incidents")

    for response in throttled:
        assert response.status_code == 429
        assert response.json() == {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
        assert response.headers["ratelimit-reset"] == "7"
        assert response.headers["ratelimit-remaining"] == "0"
        assert response.headers["ratelimit-limit"] == "960"
    assert recovered.status_code == 200


def test_a_burst_of_server_errors_ends_and_the_service_recovers(sandbox: SandboxServer):
    sandbox.faults.set(server_errors=3, server_error_status=503)

    responses = [pd_call(sandbox, "/users") for _ in range(4)]

    assert [r.status_code for r in responses] == [503, 503, 503, 200]
    assert responses[0].json()["error"]["message"] == "Service Unavailable"


def test_a_malformed_fault_truncates_the_next_successful_body(sandbox: SandboxServer):
    sandbox.faults.set(malformed=1)

    broken = pd_call(sandbox, "/incidents")
    whole = pd_call(sandbox, "/incidents")

    assert broken.status_code == 200
    assert broken.headers["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
    assert whole.json()["incidents"]


def test_an_unauthenticated_request_does_not_use_up_a_fault(sandbox: SandboxServer):
    sandbox.faults.set(server_errors=1)

    assert pd_call(sandbox, "/incidents", key=None).status_code == 401
    assert pd_call(sandbox, "/incidents").status_code == 500


def test_a_delay_fault_slows_every_answer(sandbox: SandboxServer):
    sandbox.faults.set(delay_seconds=0.3)

    started = time.monotonic()
    response = pd_call(sandbox, "/teams")

    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_faults_are_shared_between_the_opsgenie_and_pagerduty_mounts(sandbox: SandboxServer):
    sandbox.faults.set(server_errors=1)

    assert pd_call(sandbox, "/teams", region="eu", key="eu").status_code == 500
    assert pd_call(sandbox, "/teams", region="eu", key="eu").status_code == 200
    assert sandbox.faults.snapshot()["server_errors"] == 0
