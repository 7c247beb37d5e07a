from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from integrations.sandbox.server import SandboxKeys, SandboxServer


def _run(*args: str) -> str:
    out = StringIO()
    call_command("sandbox", *args, stdout=out)
    return out.getvalue()


def test_print_keys_prints_one_json_object_with_keys_and_base_urls():
    printed = json.loads(_run("--print-keys", "--port", "9999", "--seed", "4"))

    assert printed == {
        "base_url": "http://127.0.0.1:9999",
        "opsgenie_us_url": "http://127.0.0.1:9999/opsgenie/us",
        "opsgenie_eu_url": "http://127.0.0.1:9999/opsgenie/eu",
        "jsm_ops_integration_url": "http://127.0.0.1:9999/jsm/ops/integration",
        "pagerduty_us_url": "http://127.0.0.1:9999/pagerduty/us",
        "pagerduty_eu_url": "http://127.0.0.1:9999/pagerduty/eu",
        "pagerduty_identity_url": "http://127.0.0.1:9999/pagerduty/identity",
        "oidc_url": "http://127.0.0.1:9999/oidc",
        "pagerduty_events_us_url": "http://127.0.0.1:9999/pagerduty/events/us",
        "pagerduty_events_eu_url": "http://127.0.0.1:9999/pagerduty/events/eu",
        "jsm_site_url": "http://127.0.0.1:9999/jsm/site",
        "jsm_ops_api_url": "http://127.0.0.1:9999/jsm/ops/api",
        "keys": SandboxKeys.from_seed(4).as_dict(),
    }


def test_keys_given_on_the_command_line_replace_the_derived_ones():
    keys = json.loads(_run("--print-keys", "--key-us", "my-us-key", "--key-no-access", "x"))["keys"]

    assert keys["opsgenie_us"] == "my-us-key"
    assert keys["opsgenie_no_incident_access"] == "x"
    assert keys["opsgenie_eu"] == SandboxKeys.from_seed(1).opsgenie_eu


def test_the_same_seed_always_gives_the_same_distinct_keys():
    keys = SandboxKeys.from_seed(1).as_dict()

    assert keys == SandboxKeys.from_seed(1).as_dict()
    assert len(set(keys.values())) == len(keys)
    assert keys != SandboxKeys.from_seed(2).as_dict()


def test_serving_prints_the_urls_and_keys_and_stops_cleanly_on_interrupt(
    monkeypatch: pytest.MonkeyPatch,
):
    served: list[SandboxServer] = []

    def interrupted(self: SandboxServer) -> None:
        served.append(self)
        self.stop()
        raise KeyboardInterrupt

    monkeypatch.setattr(SandboxServer, "serve_forever", interrupted)

    output = _run("--port", "0", "--incidents", "5", "--users", "3")

    server = served[0]
    assert server.opsgenie_url("us") in output
    assert server.keys.opsgenie_us in output
    assert server.keys.opsgenie_no_incident_access in output
    assert "stopped" in output
