"""python manage.py connect opsgenie|pagerduty --region us|eu [--api-key-file F]
[--services ID,ID]   (PagerDuty: the services whose incidents count; all by default)

The key comes from --api-key-file, the OPSGENIE_API_KEY / PAGERDUTY_API_KEY environment variable,
or standard input,
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
from django.db import transaction

from integrations.forms import ApiKeyForm
from integrations.providers.base import ProviderInfo
from integrations.providers.opsgenie import PROVIDER as OPSGENIE
from integrations.providers.opsgenie import validation as opsgenie_validation
from integrations.providers.opsgenie.forms import OpsgenieKeyForm
from integrations.providers.pagerduty import PROVIDER as PAGERDUTY
from integrations.providers.pagerduty import validation as pagerduty_validation
from integrations.providers.pagerduty.forms import PagerDutyKeyForm
from integrations.services import connection_save_validated, credential_hint
from integrations.validation import ValidationFailure

# provider slug -> (info, key form, key check)
PROVIDERS: dict[str, tuple[ProviderInfo, type[ApiKeyForm], Any]] = {
    "opsgenie": (OPSGENIE, OpsgenieKeyForm, opsgenie_validation.validate_key),
    "pagerduty": (PAGERDUTY, PagerDutyKeyForm, pagerduty_validation.validate_key),
}


class Command(BaseCommand):
    help = "Connect an integration from the command line, validated like the wizard."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("provider", choices=sorted(PROVIDERS))
        parser.add_argument("--region", choices=["us", "eu"], default="us")
        parser.add_argument("--api-key-file", type=Path, help="A file holding the API key.")
        parser.add_argument(
            "--services",
            default="",
            help="PagerDuty: comma-separated ids of the services whose incidents count "
            "(default: all)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        provider, form_class, validate_key = PROVIDERS[options["provider"]]
        service_ids = sorted({s.strip() for s in options["services"].split(",") if s.strip()})
        if service_ids and provider is not PAGERDUTY:
            raise CommandError("--services applies to PagerDuty only.")
        raw_key = self._read_key(options["api_key_file"], provider)
        form = form_class(data={"api_key": raw_key, "region": options["region"]})
        if not form.is_valid():
            errors = "; ".join(e for field in form.errors.values() for e in field)
            raise CommandError(errors)
        api_key, region = form.cleaned_data["api_key"], form.cleaned_data["region"]
        failure: ValidationFailure | None = validate_key(api_key=api_key, region=region)
        if failure is not None:
            raise CommandError(f"Not connected. {failure.message}")
        with transaction.atomic():
            connection = connection_save_validated(
                provider=provider.slug,
                region=region,
                credentials={"api_key": api_key},
                hint=credential_hint(api_key),
                user=None,
            )
            # The first sync (started on commit) reads only the chosen services.
            connection.service_ids = service_ids
            connection.save(update_fields=["service_ids"])
        scope = f", services {', '.join(service_ids)}" if service_ids else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Connected {provider.name} ({region.upper()}), key ending "
                f"…{connection.credential_hint}{scope}, connection id {connection.pk}."
            )
        )

    def _read_key(self, key_file: Path | None, provider: ProviderInfo) -> str:
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
