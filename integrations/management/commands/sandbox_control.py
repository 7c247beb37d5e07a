"""`manage.py sandbox_control`: drive a running sandbox (make time pass, switch faults).

`make run` serves the sandbox from its own process, so this talks to its control API over HTTP.
Only the sandbox is ever contacted: a loopback address by default, or exactly the `--url` the
operator typed. The providers' base-URL settings are deliberately not read: they may name the
real upstream.
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlsplit

import requests
from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.providers.registry import providers

TIMEOUT_SECONDS = 30
DEFAULT_PORT = 8810

# option dest → JSON field of /_sandbox/faults
_FAULT_FIELDS = {
    "rate_limit": "rate_limit",
    "period": "rate_limit_period_seconds",
    "server_errors": "server_errors",
    "status": "server_error_status",
    "delay": "delay_seconds",
    "malformed": "malformed",
}
_ADVANCE_FIELDS = ("provider", "region", "changed_fraction", "new", "deleted", "seed", "people")


class Command(BaseCommand):
    help = "Control a running sandbox: let time pass, or set and clear faults."
    # Like `sandbox`: nothing here touches the project, so a failing check must not get in the way.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{advance,faults}")

        advance = actions.add_parser(
            "advance",
            help="let an hour pass upstream: incidents change, appear and disappear; people "
            "join, leave and change role",
        )
        _add_url(advance)
        advance.add_argument(
            "--provider",
            choices=tuple(providers()),
            help=f"whose account changes (default {next(iter(providers()))})",
        )
        regions = dict.fromkeys(r.slug for p in providers().values() for r in p.regions)
        advance.add_argument("--region", default="us", choices=tuple(regions))
        advance.add_argument(
            "--changed-fraction",
            type=float,
            help="share of existing incidents that change status or priority (default 0.01)",
        )
        advance.add_argument("--new", type=int, help="incidents that appear (default: half)")
        advance.add_argument(
            "--deleted", type=int, help="incidents that disappear (default: a tenth)"
        )
        advance.add_argument(
            "--people",
            type=int,
            help="users who join, and as many who leave and who change role (default 1)",
        )
        advance.add_argument("--seed", type=int, help="same seed and state, same changes")

        faults = actions.add_parser(
            "faults", help="set or clear faults; without options, print the current ones"
        )
        _add_url(faults)
        faults.add_argument("--rate-limit", type=int, help="answer the next N requests with 429")
        faults.add_argument("--period", type=int, help="seconds announced in 429 answers")
        faults.add_argument("--server-errors", type=int, help="answer the next N with a 5xx")
        faults.add_argument("--status", type=int, help="the 5xx status to answer (default 500)")
        faults.add_argument("--delay", type=float, help="seconds every answer waits")
        faults.add_argument("--malformed", type=int, help="truncate the next N successful bodies")
        faults.add_argument(
            "--clear", action="store_true", help="clear all faults first (then apply any given)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        base_url = _base_url(options["url"])
        session = requests.Session()
        # No proxy or .netrc from the environment: the request must go to this address only.
        session.trust_env = False
        with session:
            if options["action"] == "advance":
                body = {
                    name: options[name] for name in _ADVANCE_FIELDS if options[name] is not None
                }
                answer = _call(session, "POST", f"{base_url}/_sandbox/advance", body)
            else:
                answer = self._faults(session, f"{base_url}/_sandbox/faults", options)
        self.stdout.write(json.dumps(answer, indent=2, ensure_ascii=False))

    def _faults(self, session: requests.Session, url: str, options: dict[str, Any]) -> Any:
        settings = {
            field: options[dest]
            for dest, field in _FAULT_FIELDS.items()
            if options[dest] is not None
        }
        answer = None
        if options["clear"]:
            answer = _call(session, "DELETE", url)
        if settings:
            answer = _call(session, "POST", url, settings)
        if answer is None:
            answer = _call(session, "GET", url)
        return answer


def _add_url(parser: CommandParser) -> None:
    parser.add_argument(
        "--url",
        help="the sandbox's base URL (default: http://127.0.0.1:$SANDBOX_PORT, port 8810)",
    )


def _base_url(given: str | None) -> str:
    if given is None:
        # Only the port comes from the environment (as in `make run`); the host stays loopback.
        port = os.environ.get("SANDBOX_PORT") or str(DEFAULT_PORT)
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise CommandError(f"SANDBOX_PORT must be a port number, not {port!r}")
        return f"http://127.0.0.1:{int(port)}"
    parts = urlsplit(given)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CommandError(
            f"--url must be an http(s) URL such as http://127.0.0.1:8810, not {given!r}"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise CommandError("--url must be the sandbox's base URL, without credentials or query")
    return given.rstrip("/")


def _call(
    session: requests.Session, method: str, url: str, body: dict[str, Any] | None = None
) -> Any:
    try:
        response = session.request(
            method, url, json=body, timeout=TIMEOUT_SECONDS, allow_redirects=False
        )
    except requests.RequestException as error:
        raise CommandError(
            f"Cannot reach the sandbox at {url} ({type(error).__name__}). Is it running? "
            "Start it with `make run` or `python manage.py sandbox`, or pass --url."
        ) from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status_code != 200 or not isinstance(answer, dict):
        message = answer.get("message") if isinstance(answer, dict) else None
        raise CommandError(
            f"The sandbox at {url} answered {response.status_code}: "
            f"{message or 'not a sandbox control answer'}"
        )
    return answer
