"""python manage.py critical_system add --connection ID
python manage.py critical_system valid-access --system ID (--all-staff | --roles "Engineering,SRE"
    [--upstream-roles "SRE=user,admin;Engineering=user"])

For scripts: the same services as the Access pages, and the same refusals (non-zero exit code,
nothing changed). Changes made here are recorded as the system's (no signed-in user).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from access.models import AccessType, CriticalSystem, OrgRole
from access.services import AccessRefused, critical_system_add, valid_access_set
from access.system_forms import candidate_connections


def parse_upstream_roles(text: str) -> dict[str, list[str]]:
    """ "SRE=user,admin;Engineering=user" → {"SRE": ["user", "admin"], "Engineering": ["user"]}"""
    rules: dict[str, list[str]] = {}
    for part in filter(None, (chunk.strip() for chunk in text.split(";"))):
        name, sep, roles = part.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"--upstream-roles: “{part}” is not ORG_ROLE=role,role.")
        rules[name.strip()] = [role.strip() for role in roles.split(",") if role.strip()]
    return rules


class Command(BaseCommand):
    help = "Add a critical system, or set its valid access type."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="Make a connected integration a critical system.")
        add.add_argument("--connection", type=int, required=True)
        valid = actions.add_parser("valid-access", help="Who may have an account.")
        valid.add_argument("--system", type=int, required=True)
        who = valid.add_mutually_exclusive_group(required=True)
        who.add_argument("--all-staff", action="store_true")
        who.add_argument("--roles", help='Org roles that may have access: "Engineering,SRE"')
        valid.add_argument(
            "--upstream-roles",
            default="",
            help='The upstream roles each org role may hold: "SRE=user,admin;Engineering=user"',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "add":
            self._add(options["connection"])
        else:
            self._valid_access(options)

    def _add(self, connection_id: int) -> None:
        connection = candidate_connections().filter(pk=connection_id).first()
        if connection is None:
            raise CommandError(
                f"No connected integration {connection_id} that is not already a critical system."
            )
        try:
            system = critical_system_add(connection=connection, user=None)
        except AccessRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(str(system.pk))

    def _valid_access(self, options: dict[str, Any]) -> None:
        system = CriticalSystem.objects.filter(pk=options["system"]).first()
        if system is None:
            raise CommandError(f"No critical system {options['system']}.")
        if options["all_staff"]:
            if options["upstream_roles"]:
                raise CommandError("--upstream-roles goes with --roles, not --all-staff.")
            valid_access_set(system=system, access_type=AccessType.ALL_STAFF, user=None)
            self.stdout.write(f"Critical system {system.pk}: all staff may have access.")
            return
        names = [name.strip() for name in options["roles"].split(",") if name.strip()]
        upstream = parse_upstream_roles(options["upstream_roles"])
        roles = {role.name: role for role in OrgRole.objects.filter(name__in=names)}
        unknown = [name for name in [*names, *upstream] if name not in roles]
        if unknown:
            raise CommandError(
                f"Unknown org role(s): {', '.join(sorted(set(unknown)))}. Known: "
                + (", ".join(OrgRole.objects.values_list("name", flat=True)) or "none yet")
            )
        try:
            valid_access_set(
                system=system,
                access_type=AccessType.ROLE_BASED,
                roles=[(roles[name], upstream.get(name, [])) for name in names],
                user=None,
            )
        except AccessRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(f"Critical system {system.pk}: {', '.join(names)} may have access.")
