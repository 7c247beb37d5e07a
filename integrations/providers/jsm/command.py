"""``python manage.py connect jsm --site NAME --email EMAIL --api-token-file F [--jql JQL]``.

The token comes from --api-token-file, the JSM_API_TOKEN environment variable, or standard
input, never from a command-line argument (shell history, the process list). Validation and
messages are the wizard's; the exit code is non-zero on failure.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from integrations.connect import ConnectRefused
from integrations.providers.jsm.connect import jsm_connect
from integrations.providers.jsm.forms import DEFAULT_JQL, JsmConnectForm
from integrations.providers.jsm.site import site_host

OPTIONS = ("site", "email", "api_token_file", "jql")
TOKEN_ENV = "JSM_API_TOKEN"  # noqa: S105 - a variable's name


def add_arguments(parser: CommandParser) -> None:
    parser.add_argument("--site", help="Jira Service Management: the site name (acme)")
    parser.add_argument("--email", help="Jira Service Management: the Atlassian account email")
    parser.add_argument(
        "--api-token-file", type=Path, help="Jira Service Management: a file holding the token"
    )
    parser.add_argument(
        "--jql", help=f"Jira Service Management: the incident JQL (default: {DEFAULT_JQL})"
    )


def connect(options: Mapping[str, Any]) -> str:
    if not options.get("site") or not options.get("email"):
        raise CommandError("Jira Service Management needs --site and --email.")
    form = JsmConnectForm(
        {
            "site": options["site"],
            "email": options["email"],
            "api_token": _read_token(options.get("api_token_file")),
            "jql": options.get("jql") or DEFAULT_JQL,
        }
    )
    if not form.is_valid():
        raise CommandError("; ".join(e for field in form.errors.values() for e in field))
    data = form.cleaned_data
    try:
        connection = jsm_connect(user=None, **data)
    except ConnectRefused as refused:
        raise CommandError(f"Not connected. {refused.failure.message}") from refused
    return (
        f"Connected Jira Service Management ({site_host(data['site'])}) as {data['email']}, "
        f"token ending …{connection.credential_hint}, connection id {connection.pk}. "
        "The token dies with its user: connect again with another account's token before "
        "that person leaves."
    )


def _read_token(token_file: Path | None) -> str:
    if token_file is not None:
        try:
            return token_file.read_text()
        except OSError as exc:
            raise CommandError(f"Cannot read {token_file}: {exc.strerror}") from exc
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV]
    if sys.stdin.isatty():
        return getpass.getpass("Atlassian API token: ")
    token = sys.stdin.read()
    if not token.strip():
        raise CommandError(
            f"No API token given: use --api-token-file, {TOKEN_ENV} or standard input."
        )
    return token
