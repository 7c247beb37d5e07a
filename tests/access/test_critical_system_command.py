from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from access.checks import RULES_KEY
from access.models import CriticalSystem, OrgRole
from checks.models import CheckState
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("critical_system", *args, stdout=out)
    return out.getvalue().strip()


def test_a_script_adds_a_system_and_sets_who_may_have_access() -> None:
    connection = make_connection()
    system_id = run("add", "--connection", str(connection.pk))
    system = CriticalSystem.objects.get()
    assert system_id == str(system.pk)
    assert CheckState.objects.get(key=RULES_KEY).status == "failing"
    with pytest.raises(CommandError, match="not already a critical system"):
        run("add", "--connection", str(connection.pk))
    OrgRole.objects.create(name="SRE")
    OrgRole.objects.create(name="Engineering")
    with pytest.raises(CommandError, match="Unknown org role\\(s\\): Finance"):
        run("valid-access", "--system", system_id, "--roles", "SRE,Finance")
    assert CriticalSystem.objects.get().access_type == ""
    run(
        "valid-access",
        "--system",
        system_id,
        "--roles",
        "Engineering,SRE",
        "--upstream-roles",
        "SRE=user,admin;Engineering=user",
    )
    rules = dict(system.allowed.values_list("org_role__name", "upstream_roles"))
    assert rules == {"Engineering": ["user"], "SRE": ["user", "admin"]}
    assert CheckState.objects.get(key=RULES_KEY).status == "passing"
    run("valid-access", "--system", system_id, "--all-staff")
    system.refresh_from_db()
    assert system.access_type == "all_staff" and not system.allowed.exists()


def test_a_bad_upstream_roles_text_is_refused() -> None:
    system = CriticalSystem.objects.create(connection=make_connection())
    OrgRole.objects.create(name="SRE")
    with pytest.raises(CommandError, match="is not ORG_ROLE=role,role"):
        run("valid-access", "--system", str(system.pk), "--roles", "SRE", "--upstream-roles", "SRE")
