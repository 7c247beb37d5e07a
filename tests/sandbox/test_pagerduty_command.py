from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations.sandbox.server import SandboxKeys, SandboxServer


def _run(*args: str) -> str:
    out = StringIO()
    call_command("sandbox", *args, stdout=out)
    return out.getvalue()


def test_print_keys_includes_the_pagerduty_urls_and_keys():
    printed = json.loads(_run("--print-keys", "--port", "9999", "--seed", "4"))

    assert printed["pagerduty_us_url"] == "http://127.0.0.1:9999/pagerduty/us"
    assert printed["pagerduty_eu_url"] == "http://127.0.0.1:9999/pagerduty/eu"
    assert printed["keys"] == SandboxKeys.from_seed(4).as_dict()
    assert printed["keys"]["pagerduty_no_incident_ability"]


def test_pagerduty_keys_given_on_the_command_line_replace_the_derived_ones():
    keys = json.loads(_run("--print-keys", "--pd-key-us", "k1", "--pd-token-eu", "t2"))["keys"]

    assert (keys["pagerduty_us"], keys["pagerduty_eu_oauth"]) == ("k1", "t2")
    assert keys["opsgenie_us"] == SandboxKeys.from_seed(1).opsgenie_us


def test_serving_prints_the_pagerduty_urls_and_keys(monkeypatch: pytest.MonkeyPatch):
    served: list[SandboxServer] = []

    def interrupted(self: SandboxServer) -> None:
        served.append(self)
        self.stop()
        raise KeyboardInterrupt

    monkeypatch.setattr(SandboxServer, "serve_forever", interrupted)

    output = _run("--port", "0", "--incidents", "5", "--users", "3", "--pd-incidents", "11")

    server = served[0]
    assert server.pagerduty_url("eu") in output
    assert server.keys.pagerduty_us in output
    assert server.keys.pagerduty_us_oauth in output
    assert len(server.pagerduty_stores["us"].incidents()) == 11


def test_hand_built_keys_with_only_the_opsgenie_fields_get_distinct_pagerduty_keys():
    keys = SandboxKeys("a", "b", "c", "d")

    assert keys.opsgenie_us == "a"
    assert len(set(keys.as_dict().values())) == len(keys.as_dict())


def test_sandbox_control_lets_time_pass_in_a_pagerduty_account():
    with SandboxServer(seed=2, incidents=10, users=5, pagerduty_incidents=40) as server:
        opsgenie_before = server.opsgenie_stores["us"].incidents()
        out = StringIO()
        call_command(
            "sandbox_control",
            "advance",
            "--url",
            server.base_url,
            "--provider",
            "pagerduty",
            "--region",
            "eu",
            "--new",
            "3",
            "--deleted",
            "1",
            "--seed",
            "4",
            stdout=out,
        )
        summary = json.loads(out.getvalue())

        assert [len(summary[k]) for k in ("created", "deleted")] == [3, 1]
        assert server.pagerduty_stores["eu"].incident(summary["created"][0]) is not None
        assert len(server.pagerduty_stores["eu"].incidents()) == 42
        assert len(server.pagerduty_stores["us"].incidents()) == 40
        assert server.opsgenie_stores["us"].incidents() == opsgenie_before


def test_sandbox_control_refuses_an_unknown_provider():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("sandbox_control", "advance", "--provider", "jira", stdout=StringIO())
