"""`manage.py sandbox`: serve the upstream API emulators locally, or print their keys.

Every registered provider's emulator is served; its command-line flags come from its
`sandbox/mount.py` (KEY_FLAGS, OPTION_FLAGS), so this command names none of them.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from integrations.sandbox.demo_staff import demo_staff_csv
from integrations.sandbox.server import MOUNTS, SandboxKeys, SandboxServer, display_host


class Command(BaseCommand):
    help = "Serve every provider's API emulator with deterministic synthetic accounts."
    # The sandbox shares nothing with the project at runtime; a project check failing (e.g. no
    # database yet) must not stop someone from trying the product against it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8810)
        parser.add_argument("--users", type=int, default=30, help="per region")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same data and keys")
        parser.add_argument(
            "--all-incidents",
            type=int,
            metavar="N",
            help="incidents per region in every provider's account (its own flag wins)",
        )
        for module in MOUNTS:
            for flag, option, text in module.OPTION_FLAGS:
                parser.add_argument(flag, dest=option, type=int, metavar="N", help=text)
            for flag, key, text in module.KEY_FLAGS:
                parser.add_argument(flag, dest=key, metavar="KEY", help=text)
        printing = parser.add_mutually_exclusive_group()
        printing.add_argument(
            "--print-keys",
            action="store_true",
            help="print keys and base URLs as one JSON object and exit without serving",
        )
        printing.add_argument(
            "--print-env",
            action="store_true",
            help="print the settings that point the app at this sandbox, as shell assignments",
        )
        printing.add_argument(
            "--print-staff-csv",
            action="store_true",
            help="print a demo staff directory matching the emulators' people (import_staff)",
        )
        printing.add_argument(
            "--print-lines",
            action="store_true",
            help="print what serving would print about each provider, without serving",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        server = SandboxServer(
            options["host"],
            options["port"],
            seed=options["seed"],
            users=options["users"],
            keys=_keys(options),
            **_mount_options(options),
        )
        base_url = f"http://{display_host(options['host'])}:{options['port']}"
        if options["print_keys"]:
            self.stdout.write(json.dumps(server.describe(base_url)))
            return
        if options["print_env"]:
            for name, value in server.env(base_url).items():
                self.stdout.write(f"{name}={shlex.quote(value)}")
            return
        if options["print_staff_csv"]:
            people = [mounted.people() for mounted in server.mounted]
            self.stdout.write(demo_staff_csv(people, date.today()), ending="")
            return
        if options["print_lines"]:
            self.stdout.write("\n\n".join("\n".join(lines) for lines in server.lines(base_url)))
            return
        server.bind()
        self.stdout.write(self._banner(server))
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Sandbox stopped.")

    def _banner(self, server: SandboxServer) -> str:
        base_url = server.base_url
        return "\n".join(
            [
                f"Sandbox serving on {base_url} (Ctrl+C to stop)",
                "",
                *(line for lines in server.lines() for line in (*lines, "")),
                f"Faults  {base_url}/_sandbox/faults",
                f"Keys    {base_url}/_sandbox/keys",
                f"Time    POST {base_url}/_sandbox/advance  (manage.py sandbox_control)",
            ]
        )


def _keys(options: dict[str, Any]) -> Any:
    overrides = {
        key: options[key]
        for module in MOUNTS
        for _flag, key, _text in module.KEY_FLAGS
        if options.get(key)
    }
    return dataclasses.replace(SandboxKeys.from_seed(options["seed"]), **overrides)


def _mount_options(options: dict[str, Any]) -> dict[str, int]:
    chosen: dict[str, int] = {}
    for module in MOUNTS:
        if options["all_incidents"] is not None:
            chosen[module.INCIDENT_OPTION] = options["all_incidents"]
        for _flag, option, _text in module.OPTION_FLAGS:
            if options.get(option) is not None:
                chosen[option] = options[option]
    return chosen
