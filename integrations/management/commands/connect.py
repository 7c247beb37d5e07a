"""python manage.py connect <provider> --region us|eu [--api-key-file F] [--services ID,ID]

<provider> is any registered provider with an API-key path; --services (providers with a service
selection) names the services whose incidents count, all by default. A provider whose
credentials are not one key and a region adds its own arguments (``Provider.command_module``;
the README lists them).

The key comes from --api-key-file, the <PROVIDER>_API_KEY environment variable (e.g.
OPSGENIE_API_KEY), or standard input, never from a command-line argument (shell history, the
process list). Validation and messages are the wizard's; the exit code is non-zero on failure.
"""

from __future__ import annotations

import getpass
import os
import sys
from importlib import import_module
from pathlib import Path
from types import ModuleType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.connect import ConnectRefused, key_connect
from integrations.providers.base import Provider
from integrations.providers.registry import providers


def _with_a_key() -> dict[str, Provider]:
    return {slug: p for slug, p in providers().items() if p.key_form and p.validate_key}


def _own_command_lines() -> dict[str, ModuleType]:
    """The providers that read their own arguments, and the module that does."""
    return {
        slug: import_module(p.command_module)
        for slug, p in providers().items()
        if p.own_command_line
    }


class Command(BaseCommand):
    help = "Connect an integration from the command line, validated like the wizard."

    def add_arguments(self, parser: CommandParser) -> None:
        choices = _with_a_key()
        regions = {region.slug: None for p in choices.values() for region in p.regions}
        selecting = [p.name for p in choices.values() if p.service_selection]
        own = _own_command_lines()
        parser.add_argument("provider", choices=sorted({*choices, *own}))
        parser.add_argument("--region", choices=list(regions), default=next(iter(regions)))
        parser.add_argument("--api-key-file", type=Path, help="A file holding the API key.")
        parser.add_argument(
            "--services",
            default="",
            help=f"{', '.join(selecting)}: comma-separated ids of the services whose incidents "
            "count (default: all)",
        )
        for module in own.values():
            module.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        own = _own_command_lines()
        slug = options["provider"]
        for other, module in own.items():
            given = [name for name in module.OPTIONS if options.get(name) and other != slug]
            if given:
                flag = "--" + given[0].replace("_", "-")
                raise CommandError(f"{flag} applies to {providers()[other].name} only.")
        if slug in own:
            if options["api_key_file"] is not None:
                name = providers()[slug].name
                raise CommandError(f"{name} takes no --api-key-file: see connect --help.")
            if options["services"].strip():
                selecting = [p.name for p in providers().values() if p.service_selection]
                raise CommandError(f"--services applies to {', '.join(selecting)} only.")
            self.stdout.write(self.style.SUCCESS(own[slug].connect(options)))
            return
        provider = _with_a_key()[slug]
        service_ids = sorted({s.strip() for s in options["services"].split(",") if s.strip()})
        if service_ids and not provider.service_selection:
            selecting = [p.name for p in providers().values() if p.service_selection]
            raise CommandError(f"--services applies to {', '.join(selecting)} only.")
        raw_key = self._read_key(options["api_key_file"], provider)
        form = provider.make_key_form({"api_key": raw_key, "region": options["region"]})
        if not form.is_valid():
            errors = "; ".join(e for field in form.errors.values() for e in field)
            raise CommandError(errors)
        region = form.cleaned_data["region"]
        try:
            connection = key_connect(
                provider=provider,
                api_key=form.cleaned_data["api_key"],
                region=region,
                user=None,
                service_ids=service_ids if provider.service_selection else None,
            )
        except ConnectRefused as refused:
            raise CommandError(f"Not connected. {refused.failure.message}") from refused
        scope = f", services {', '.join(service_ids)}" if service_ids else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Connected {provider.name} ({region.upper()}), key ending "
                f"…{connection.credential_hint}{scope}, connection id {connection.pk}."
            )
        )

    def _read_key(self, key_file: Path | None, provider: Provider) -> str:
        key_env = f"{provider.slug.upper()}_API_KEY"
        if key_file is not None:
            try:
                return key_file.read_text()
            except OSError as exc:
                raise CommandError(f"Cannot read {key_file}: {exc.strerror}") from exc
        if os.environ.get(key_env):
            return os.environ[key_env]
        if sys.stdin.isatty():
            return getpass.getpass(f"{provider.name} API key: ")
        key = sys.stdin.read()
        if not key.strip():
            raise CommandError(
                f"No API key given: use --api-key-file, {key_env} or standard input."
            )
        return key
