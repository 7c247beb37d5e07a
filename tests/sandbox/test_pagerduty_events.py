"""The PagerDuty Events API v2 of the sandbox: where our PagerDuty notifications go."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from integrations.providers.pagerduty.sandbox import events as limits
from integrations.sandbox.server import SandboxServer


def enqueue(sandbox: SandboxServer, event: Any, region: str = "us") -> requests.Response:
    url = sandbox.pagerduty_events_url(region) + "/v2/enqueue"
    return requests.post(url, json=event, timeout=10)


def trigger(sandbox: SandboxServer, dedup_key: str, region: str = "us", **payload: Any) -> dict:
    return {
        "routing_key": getattr(sandbox.keys, f"pagerduty_{region}_routing_key"),
        "event_action": "trigger",
        "dedup_key": dedup_key,
        "payload": {"summary": "Check failing", "source": "EvidenceHub", "severity": "error"}
        | payload,
    }


def follow_up(sandbox: SandboxServer, action: str, dedup_key: str) -> dict:
    key = sandbox.keys.pagerduty_us_routing_key
    return {"routing_key": key, "event_action": action, "dedup_key": dedup_key}


def alert(sandbox: SandboxServer, dedup_key: str, region: str = "us") -> dict:
    listed = requests.get(
        f"{sandbox.base_url}/_sandbox/pagerduty/events", params={"region": region}, timeout=10
    ).json()[region]
    return next(a for a in listed["alerts"] if a["dedup_key"] == dedup_key)


def test_trigger_is_accepted_with_its_dedup_key_and_listed(sandbox: SandboxServer):
    key = f"check-{uuid.uuid4().hex[:8]}"

    accepted = enqueue(sandbox, trigger(sandbox, key))

    assert accepted.status_code == 202
    assert accepted.json() == {"status": "success", "message": "Event processed", "dedup_key": key}
    assert alert(sandbox, key)["status"] == "triggered"


def test_a_repeated_trigger_is_deduplicated_then_resolve_resolves_it(sandbox: SandboxServer):
    key = f"check-{uuid.uuid4().hex[:8]}"
    enqueue(sandbox, trigger(sandbox, key))
    enqueue(sandbox, trigger(sandbox, key))

    acked = enqueue(sandbox, follow_up(sandbox, "acknowledge", key))
    assert alert(sandbox, key)["status"] == "acknowledged"
    resolved = enqueue(sandbox, follow_up(sandbox, "resolve", key))

    assert (acked.status_code, resolved.status_code) == (202, 202)
    resolved_alert = alert(sandbox, key)
    assert (resolved_alert["status"], resolved_alert["count"]) == ("resolved", 2)


def test_a_trigger_without_dedup_key_gets_one_made_up(sandbox: SandboxServer):
    event = trigger(sandbox, "")
    del event["dedup_key"]

    accepted = enqueue(sandbox, event)

    assert accepted.status_code == 202
    assert len(accepted.json()["dedup_key"]) >= 16


def test_a_resolve_of_no_open_alert_is_accepted_and_dropped(sandbox: SandboxServer):
    key = f"never-{uuid.uuid4().hex[:8]}"

    accepted = enqueue(sandbox, follow_up(sandbox, "resolve", key))

    listed = requests.get(f"{sandbox.base_url}/_sandbox/pagerduty/events", timeout=10).json()
    assert accepted.status_code == 202
    last = [e for e in listed["us"]["events"] if e["event"].get("dedup_key") == key]
    assert [e["outcome"] for e in last] == ["dropped"]


INVALID = [
    ({"routing_key": "e+23rschqsESqk9Q6_-g"}, limits.KEY_LENGTH_ERROR),
    ({"routing_key": "e+23rschqsESqk9Q6_-g"}, limits.KEY_CHARACTERS_ERROR),
    ({"routing_key": "0" * 32}, limits.UNKNOWN_KEY_ERROR),
    ({"event_action": "escalate"}, "'event_action' is invalid"),
    ({"dedup_key": "k" * (limits.DEDUP_KEY_MAX + 1)}, "'dedup_key' is too long"),
    ({"payload": {"source": "s", "severity": "error"}}, "'payload.summary' is missing"),
    (
        {"payload": {"summary": "s" * (limits.SUMMARY_MAX + 1), "source": "s", "severity": "info"}},
        "'payload.summary' is too long",
    ),
    ({"payload": {"summary": "s", "source": "s", "severity": "high"}}, "'payload.severity'"),
]


@pytest.mark.parametrize(("change", "error"), INVALID)
def test_an_invalid_event_is_a_400_with_its_errors(
    sandbox: SandboxServer, change: dict, error: str
):
    refused = enqueue(sandbox, trigger(sandbox, "k") | change)

    assert refused.status_code == 400
    body = refused.json()
    assert (body["status"], body["message"]) == ("invalid event", "Event object is invalid")
    assert any(e.startswith(error) for e in body["errors"]), body["errors"]


def test_a_summary_at_its_limit_is_accepted(sandbox: SandboxServer):
    event = trigger(sandbox, f"long-{uuid.uuid4().hex[:6]}", summary="s" * limits.SUMMARY_MAX)

    assert enqueue(sandbox, event).status_code == 202


def test_resolve_needs_a_dedup_key(sandbox: SandboxServer):
    refused = enqueue(sandbox, follow_up(sandbox, "resolve", ""))

    assert refused.status_code == 400


def test_routing_keys_belong_to_their_region(sandbox: SandboxServer):
    key = f"eu-{uuid.uuid4().hex[:6]}"

    assert enqueue(sandbox, trigger(sandbox, key, region="eu")).status_code == 400
    assert enqueue(sandbox, trigger(sandbox, key, region="eu"), region="eu").status_code == 202
    assert alert(sandbox, key, region="eu")["status"] == "triggered"


def test_faults_answer_429_then_5xx_and_every_attempt_is_listed(sandbox: SandboxServer):
    key = f"retry-{uuid.uuid4().hex[:6]}"
    sandbox.faults.set(rate_limit=1, server_errors=1, server_error_status=502)

    statuses = [enqueue(sandbox, trigger(sandbox, key)).status_code for _ in range(3)]

    assert statuses == [429, 502, 202]
    listed = requests.get(f"{sandbox.base_url}/_sandbox/pagerduty/events", timeout=10).json()
    attempts = [e for e in listed["us"]["events"] if e["event"].get("dedup_key") == key]
    assert [(e["status"], e["outcome"]) for e in attempts] == [
        (429, "refused"),
        (502, "refused"),
        (202, "triggered"),
    ]


def test_the_listing_can_be_cleared():
    with SandboxServer(incidents=5, users=3) as fresh:
        enqueue(fresh, trigger(fresh, "k"))
        control = f"{fresh.base_url}/_sandbox/pagerduty/events"

        cleared = requests.delete(control, timeout=10)
        after = requests.get(control, timeout=10).json()

    assert cleared.status_code == 200
    assert after == {"us": {"events": [], "alerts": []}, "eu": {"events": [], "alerts": []}}


def test_the_routing_keys_are_printed_with_the_others(sandbox: SandboxServer):
    described = requests.get(sandbox.base_url + "/_sandbox/keys", timeout=10).json()
    banner = "\n".join(line for lines in sandbox.lines() for line in lines)

    for region in ("us", "eu"):
        key = described["keys"][f"pagerduty_{region}_routing_key"]
        assert len(key) == 32 and key.isalnum()
        assert key in banner
        assert described[f"pagerduty_events_{region}_url"] == sandbox.pagerduty_events_url(region)
