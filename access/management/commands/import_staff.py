"""python manage.py import_staff FILE.csv [--dry-run] [--if-empty]

Imports the staff directory with the same code as the web page's import: prints what is
created, changed (field: before → after) and offboarded; ``--dry-run`` saves nothing. A bad row
prints its line and field, nothing is saved and the exit code is 1. ``--if-empty`` imports only
into an empty directory (``make run`` loads its demo directory so, never over your changes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from access.models import StaffMember
from access.staff_import import ImportPlan, ImportRefused, apply_import, decode, refuse_if_too_large


class Command(BaseCommand):
    help = (
        "Import staff from a CSV file (name,email,org_role,status,last_working_day,manager_email)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file, its first line the header.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would change; save nothing."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Import only when the directory has nobody yet (make run's demo directory).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and StaffMember.objects.exists():
            self.stdout.write("The staff directory is not empty: nothing imported.")
            return
        path = Path(options["file"])
        try:
            refuse_if_too_large(path.stat().st_size)
            text = decode(path.read_bytes())
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from error
        except ImportRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        dry_run = options["dry_run"]
        # No signed-in user here: the history says "System" for these changes.
        plan = apply_import(text, user=None, dry_run=dry_run)
        if not plan.ok:
            for error in plan.errors_shown():
                self.stderr.write(str(error))
            if plan.more_errors:
                self.stderr.write(f"… and {plan.more_errors} more.")
            raise CommandError(f"{len(plan.errors)} problem(s) in {path}: nothing was saved.")
        self._print(plan)
        if dry_run:
            self.stdout.write("Dry run: nothing was saved.")
        elif plan.has_changes:
            self.stdout.write(self.style.SUCCESS("Saved."))
        else:
            self.stdout.write("Nothing to change.")

    def _print(self, plan: ImportPlan) -> None:
        for line in plan.summary():
            self.stdout.write(line)
        for target in plan.created:
            role = f", {target.org_role}" if target.org_role else ""
            self.stdout.write(
                f"  {'created':<10} line {target.line}: {target.name} <{target.email}>{role}"
            )
        for label, targets in (("offboarded", plan.offboarded), ("changed", plan.changed_only)):
            for target in targets:
                changes = "; ".join(str(change) for change in target.changes)
                self.stdout.write(
                    f"  {label:<10} line {target.line}: {target.name} <{target.email}>: {changes}"
                )
