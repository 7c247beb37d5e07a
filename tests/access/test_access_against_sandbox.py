"""The access flow against both emulators, with the demo directory `make run` loads: each
access check fails for a visible reason, fixing a mapping or the rules passes the right item,
and an account the emulator removes is flagged removed by the next sync."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from access.checks import IDENTIFIED_KEY, OFFBOARDED_PREFIX, RULES_KEY, VALID_KEY
from access.mapping import mapping_set
from access.models import Account, CriticalSystem, MappingKind, OrgRole, StaffMember
from access.services import access_changed, critical_system_add, valid_access_set
from checks.models import FailingItem
from integrations.sandbox.demo_staff import demo_staff_rows
from integrations.sandbox.server import SandboxServer
from tests.conftest import make_connection
from tests.pagerduty import conftest as pagerduty
from tests.sync.conftest import run_sync

pytestmark = pytest.mark.django_db


def labels(key: str) -> set[str]:
    return set(FailingItem.objects.filter(check_state__key=key).values_list("label", flat=True))


@pytest.fixture
def server(settings) -> Iterator[SandboxServer]:  # type: ignore[no-untyped-def]
    upstream = SandboxServer(seed=3, incidents=20, users=30, pagerduty_incidents=20).start()
    settings.OPSGENIE_BASE_URLS = {r: upstream.opsgenie_url(r) for r in ("us", "eu")}
    pagerduty.point_at(upstream, settings)
    yield upstream
    upstream.stop()


def load_directory(rows: list[dict]) -> None:
    for row in rows:
        role, _ = OrgRole.objects.get_or_create(name=row["org_role"])
        StaffMember.objects.create(
            name=row["name"],
            email=row["email"],
            org_role=role,
            status=row["status"],
            last_working_day=date.fromisoformat(row["last_working_day"])
            if row["last_working_day"]
            else None,
        )


def test_the_demo_directory_makes_every_access_check_fail_for_a_reason(server, admin_user) -> None:  # type: ignore[no-untyped-def]
    # The emulators with user accounts (OpsGenie's, PagerDuty's; JSM's Ops API lists none).
    with_people = [mounted for mounted in server.mounted if mounted.people()]
    people = [mounted.people() for mounted in with_people]
    rows = demo_staff_rows(people, date.today())
    load_directory(rows)
    connections = [
        make_connection(api_key=server.keys.opsgenie_us),
        make_connection(provider="pagerduty", api_key=server.keys.pagerduty_us),
    ]
    for connection in connections:
        critical_system_add(connection=connection, user=admin_user)
        run = run_sync(connection, full=True)
        assert run.counts["accounts"]["created"] == 30
    emails = {row["email"] for row in rows}
    offboarded = {row["email"] for row in rows if row["status"] == "offboarded"}
    # Every account of the emulators is stored, each once.
    for mounted, connection in zip(with_people, connections, strict=True):
        stored = set(Account.objects.filter(connection=connection).values_list("email", flat=True))
        assert stored == {email.lower() for _name, email, _role in mounted.people()}
    unknown = {
        f"{email} on {name}"
        for mounted, name in zip(with_people, ("OpsGenie", "PagerDuty"), strict=True)
        for _n, email, _r in mounted.people()
        if email.lower() not in emails
    }
    assert labels(IDENTIFIED_KEY) == unknown and len(unknown) >= 3
    gone = {
        label
        for key in (f"{OFFBOARDED_PREFIX}opsgenie", f"{OFFBOARDED_PREFIX}pagerduty")
        for label in labels(key)
    }
    assert gone and {label.split(" on ")[0] for label in gone} <= offboarded
    assert labels(RULES_KEY) == {"OpsGenie", "PagerDuty"}
    # Rules: Support may hold only the lowest roles; the Support admin fails.
    support = OrgRole.objects.get(name="Support")
    lowest = {"opsgenie": ["User"], "pagerduty": ["user", "limited_user"]}
    for system in CriticalSystem.objects.select_related("connection"):
        roles = [(role, []) for role in OrgRole.objects.exclude(pk=support.pk)]
        valid_access_set(
            system=system,
            access_type="role_based",
            roles=[*roles, (support, lowest[system.connection.provider])],
            user=admin_user,
        )
    assert labels(RULES_KEY) == set()
    reasons = FailingItem.objects.filter(check_state__key=VALID_KEY).values_list(
        "reason", flat=True
    )
    assert any("is above what Support may hold" in reason for reason in reasons)
    # Marking an unknown account Not a person passes that item, and only that one.
    account = Account.objects.filter(email__in=[u.split(" on ")[0] for u in unknown]).first()
    mapping_set(
        account=account,
        kind=MappingKind.NOT_A_PERSON,
        owner=StaffMember.objects.first(),
        reason="Shared on-call phone",
        user=admin_user,
    )
    access_changed(reason="test")
    assert len(labels(IDENTIFIED_KEY)) == len(unknown) - 1


def test_an_account_removed_upstream_is_flagged_by_the_next_sync(server, admin_user) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection(api_key=server.keys.opsgenie_us)
    critical_system_add(connection=connection, user=admin_user)
    run_sync(connection, full=True)
    store = server.opsgenie_stores["us"]
    leaving = store.users()[10]
    store.remove_users({leaving["id"]})
    run = run_sync(connection)
    assert run.counts["accounts"]["deleted"] == 1
    account = Account.objects.get(upstream_id=leaving["id"])
    assert account.removed_at is not None
    assert Account.objects.filter(connection=connection, removed_at=None).count() == 29
