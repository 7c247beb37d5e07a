"""python manage.py create_user USERNAME --role admin|auditor|staff [--password-file F]

The password comes from --password-file, the CREATE_USER_PASSWORD environment variable, or
standard input (prompted twice on a terminal) - never from a command-line argument, which would
land in shell history and the process list.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.roles import ROLE_ALIASES
from accounts.services import user_create_or_update


class Command(BaseCommand):
    help = "Create a user with one role (Compliance admin, Auditor or Staff)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(ROLE_ALIASES))
        parser.add_argument("--email", default="")
        parser.add_argument("--password-file", type=Path)
        parser.add_argument(
            "--update", action="store_true", help="Reset the role and password of an existing user."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = self._read_password(options["password_file"])
        try:
            user, created = user_create_or_update(
                username=options["username"],
                role=ROLE_ALIASES[options["role"]],
                password=password,
                email=options["email"],
                update=options["update"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError("Password rejected: " + " ".join(exc.messages)) from exc
        verb = "Created" if created else "Updated"
        role = ROLE_ALIASES[options["role"]].value
        self.stdout.write(self.style.SUCCESS(f"{verb} {user.username} ({role})."))

    def _read_password(self, password_file: Path | None) -> str:
        if password_file is not None:
            try:
                return password_file.read_text().strip()
            except OSError as exc:
                raise CommandError(f"Cannot read {password_file}: {exc.strerror}") from exc
        if os.environ.get("CREATE_USER_PASSWORD"):
            return os.environ["CREATE_USER_PASSWORD"]
        if sys.stdin.isatty():
            first = getpass.getpass("Password: ")
            if first != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
            return first
        password = sys.stdin.readline().strip()
        if not password:
            raise CommandError(
                "No password given: use --password-file, CREATE_USER_PASSWORD or standard input."
            )
        return password
