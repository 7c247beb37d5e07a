"""`manage.py sandbox`: serve the upstream API emulators locally, or print their keys."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from integrations.sandbox.server import SandboxKeys, SandboxServer, describe, display_host


class Command(BaseCommand):
    help = "Serve the OpsGenie and PagerDuty API emulators with deterministic synthetic accounts."
    # The sandbox shares nothing with the project at runtime; a project check failing (e.g. no
    # database yet) must not stop someone from trying the product against it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8810)
        parser.add_argument("--incidents", type=int, default=200, help="per region")
        parser.add_argument(
            "--pd-incidents", type=int, default=300, help="PagerDuty incidents per region"
        )
        parser.add_argument("--users", type=int, default=30, help="per region")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same data and keys")
        parser.add_argument("--key-us", help="OpsGenie US key (default: derived from the seed)")
        parser.add_argument("--key-eu", help="OpsGenie EU key")
        parser.add_argument("--key-no-access", help="US key without incident access (403)")
        parser.add_argument("--key-no-plan", help="US key on a plan without the Incident API")
        parser.add_argument("--pd-key-us", help="PagerDuty US REST API key")
        parser.add_argument("--pd-key-eu", help="PagerDuty EU REST API key")
        parser.add_argument("--pd-token-us", help="PagerDuty US OAuth access token")
        parser.add_argument("--pd-token-eu", help="PagerDuty EU OAuth access token")
        parser.add_argument(
            "--print-keys",
            action="store_true",
            help="print keys and base URLs as one JSON object and exit without serving",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keys = _keys(options)
        if options["print_keys"]:
            base_url = f"http://{display_host(options['host'])}:{options['port']}"
            self.stdout.write(json.dumps(describe(base_url, keys)))
            return
        server = SandboxServer(
            options["host"],
            options["port"],
            seed=options["seed"],
            incidents=options["incidents"],
            users=options["users"],
            keys=keys,
            pagerduty_incidents=options["pd_incidents"],
        ).bind()
        self.stdout.write(self._banner(server))
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Sandbox stopped.")

    def _banner(self, server: SandboxServer) -> str:
        keys = server.keys
        return "\n".join(
            [
                f"Sandbox serving on {server.base_url} (Ctrl+C to stop)",
                "",
                f"OpsGenie US  {server.opsgenie_url('us')}",
                f"  key                         {keys.opsgenie_us}",
                f"  key without incident access {keys.opsgenie_no_incident_access}  (403)",
                f"  key without Incident API    {keys.opsgenie_no_incident_api_plan}  (402)",
                f"OpsGenie EU  {server.opsgenie_url('eu')}",
                f"  key                         {keys.opsgenie_eu}",
                "",
                f"PagerDuty US  {server.pagerduty_url('us')}",
                f"  API key (Token token=...)   {keys.pagerduty_us}",
                f"  OAuth token (Bearer ...)    {keys.pagerduty_us_oauth}",
                f"  key without incidents       {keys.pagerduty_no_incident_ability}  (402)",
                f"  token without incidents     {keys.pagerduty_no_incident_scope_oauth}  (403)",
                f"PagerDuty EU  {server.pagerduty_url('eu')}",
                f"  API key (Token token=...)   {keys.pagerduty_eu}",
                f"  OAuth token (Bearer ...)    {keys.pagerduty_eu_oauth}",
                f"PagerDuty OAuth  {server.pagerduty_identity_url()}  (identity.pagerduty.com)",
                f"  client id                   {keys.pagerduty_client_id}",
                f"  client secret               {keys.pagerduty_client_secret}",
                f"  lifetimes                   {server.base_url}/_sandbox/oauth",
                "",
                f"Faults  {server.base_url}/_sandbox/faults",
                f"Keys    {server.base_url}/_sandbox/keys",
                f"Time    POST {server.base_url}/_sandbox/advance  (manage.py sandbox_control)",
            ]
        )


def _keys(options: dict[str, Any]) -> SandboxKeys:
    overrides = {
        field: options[option]
        for option, field in (
            ("key_us", "opsgenie_us"),
            ("key_eu", "opsgenie_eu"),
            ("key_no_access", "opsgenie_no_incident_access"),
            ("key_no_plan", "opsgenie_no_incident_api_plan"),
            ("pd_key_us", "pagerduty_us"),
            ("pd_key_eu", "pagerduty_eu"),
            ("pd_token_us", "pagerduty_us_oauth"),
            ("pd_token_eu", "pagerduty_eu_oauth"),
        )
        if options.get(option)
    }
    return dataclasses.replace(SandboxKeys.from_seed(options["seed"]), **overrides)
