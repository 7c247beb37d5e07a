"""python manage.py connect opsgenie --region us|eu [--api-key-file F]

The key comes from --api-key-file, the OPSGENIE_API_KEY environment variable, or standard input,
never from a command-line argument (shell history, the process list). Validation and messages are
the wizard's; the exit code is non-zero on failure.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.providers.opsgenie import PROVIDER, REGIONS
from integrations.providers.opsgenie.forms import OpsgenieKeyForm
from integrations.providers.opsgenie.validation import validate_key
from integrations.services import connection_save_validated, credential_hint

KEY_ENV = "OPSGENIE_API_KEY"


class Command(BaseCommand):
    help = "Connect an integration from the command line, validated like the wizard."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("provider", choices=[PROVIDER.slug])
        parser.add_argument("--region", choices=[r.slug for r in REGIONS], default="us")
        parser.add_argument("--api-key-file", type=Path, help="A file holding the API key.")

    def handle(self, *args: Any, **options: Any) -> None:
        raw_key = self._read_key(options["api_key_file"])
        form = OpsgenieKeyForm(data={"api_key": raw_key, "region": options["region"]})
        if not form.is_valid():
            errors = "; ".join(e for field in form.errors.values() for e in field)
            raise CommandError(errors)
        api_key, region = form.cleaned_data["api_key"], form.cleaned_data["region"]
        failure = validate_key(api_key=api_key, region=region)
        if failure is not None:
            raise CommandError(f"Not connected. {failure.message}")
        connection = connection_save_validated(
            provider=PROVIDER.slug,
            region=region,
            credentials={"api_key": api_key},
            hint=credential_hint(api_key),
            user=None,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Connected {PROVIDER.name} ({region.upper()}), key ending "
                f"…{connection.credential_hint}, connection id {connection.pk}."
            )
        )

    def _read_key(self, key_file: Path | None) -> str:
        if key_file is not None:
            try:
                return key_file.read_text()
            except OSError as exc:
                raise CommandError(f"Cannot read {key_file}: {exc.strerror}") from exc
        if os.environ.get(KEY_ENV):
            return os.environ[KEY_ENV]
        if sys.stdin.isatty():
            return getpass.getpass("OpsGenie API key: ")
        key = sys.stdin.read()
        if not key.strip():
            raise CommandError(
                f"No API key given: use --api-key-file, {KEY_ENV} or standard input."
            )
        return key
