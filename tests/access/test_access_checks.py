"""The access checks on a critical system's accounts (issue 11, PRODUCT 5): who should not
have access, each failing item naming the system and the account's email."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from access.checks import IDENTIFIED_KEY, OFFBOARDED_PREFIX, RULES_KEY, VALID_KEY
from access.mapping import CATEGORIES, category, mapping_set
from access.models import Account, CriticalSystem, MappingKind, OrgRole, StaffMember
from access.services import access_changed, valid_access_set
from access.store import ACCOUNTS
from access.system_views import CATEGORY_FILTERS
from checks.models import CheckState, FailingItem
from evidence.archive import build_evidence_zip
from integrations.records import AccountRecord
from lib.evidence_files import Period
from tests.conftest import make_connection
from tests.evidence.conftest import read_csv, read_zip

pytestmark = pytest.mark.django_db
OFFBOARDED_KEY = f"{OFFBOARDED_PREFIX}opsgenie"


def items(key: str) -> dict[str, str]:
    return dict(FailingItem.objects.filter(check_state__key=key).values_list("label", "reason"))


def record(n: int, email: str, role: str = "User") -> AccountRecord:
    return AccountRecord(upstream_id=f"u{n}", email=email, name=f"Person {n}", role=role)


@pytest.fixture
def world(admin_user):  # type: ignore[no-untyped-def]
    connection = make_connection()
    system = CriticalSystem.objects.create(connection=connection)
    engineering, finance = (
        OrgRole.objects.create(name="Engineering"),
        OrgRole.objects.create(name="Finance"),
    )
    today = timezone.localdate()
    StaffMember.objects.create(name="Ana Núñez", email="ana@example.com", org_role=engineering)
    StaffMember.objects.create(
        name="Bob Ode",
        email="bob@example.com",
        org_role=engineering,
        status="offboarded",
        last_working_day=today - timedelta(days=10),
    )
    StaffMember.objects.create(name="Carol Fin", email="carol@example.com", org_role=finance)
    StaffMember.objects.create(
        name="Dave Alias",
        email="dave@example.com",
        alias_emails=["d.alias@example.com"],
        org_role=engineering,
    )
    records = [
        record(1, "ana@example.com"),
        record(2, "BOB@example.com"),
        record(3, "carol@example.com", "Admin"),
        record(4, "alerts-bot@example.com"),
        record(5, "stranger@example.com"),
        record(6, "D.Alias@example.com"),
    ]
    ACCOUNTS.save(connection=connection, records=records)
    access_changed(reason="test")
    return {
        "connection": connection,
        "system": system,
        "records": records,
        "user": admin_user,
        "engineering": engineering,
    }


def test_each_check_fails_for_a_reason_a_person_understands(world) -> None:  # type: ignore[no-untyped-def]
    assert items(IDENTIFIED_KEY) == {
        "alerts-bot@example.com on OpsGenie": "No one in the staff directory has the email "
        "alerts-bot@example.com: map it to a person, or mark it Not a person or External",
        "stranger@example.com on OpsGenie": "No one in the staff directory has the email "
        "stranger@example.com: map it to a person, or mark it Not a person or External",
    }
    (reason,) = items(OFFBOARDED_KEY).values()
    assert set(items(OFFBOARDED_KEY)) == {"BOB@example.com on OpsGenie"}
    assert reason.startswith("Bob Ode is offboarded (last working day ") and ", 10 d ago)" in reason
    assert items(RULES_KEY) == {
        "OpsGenie": "Rules for who can access this system should be configured"
    }
    assert CheckState.objects.get(key=VALID_KEY).status == "passing"
    # The checks count every live account of the system.
    assert CheckState.objects.get(key=IDENTIFIED_KEY).checked_count == 6


def test_valid_access_by_org_role_and_upstream_role(world) -> None:  # type: ignore[no-untyped-def]
    valid_access_set(
        system=world["system"],
        access_type="role_based",
        roles=[(world["engineering"], ["User"])],
        user=world["user"],
    )
    assert items(RULES_KEY) == {}
    assert items(VALID_KEY) == {
        "carol@example.com on OpsGenie": "Carol Fin's org role Finance may not access this system"
    }
    # Ana becomes an Admin upstream: above what Engineering may hold.
    ana = replace(world["records"][0], role="Admin")
    ACCOUNTS.save(connection=world["connection"], records=[ana])
    access_changed(reason="test")
    assert items(VALID_KEY)["ana@example.com on OpsGenie"] == (
        "Upstream role Admin is above what Engineering may hold (User)"
    )
    # A custom role is not ranked: it is "not one" the org role may hold, not "above".
    ACCOUNTS.save(connection=world["connection"], records=[replace(ana, role="Auditor")])
    access_changed(reason="test")
    assert items(VALID_KEY)["ana@example.com on OpsGenie"] == (
        "Upstream role Auditor is not one Engineering may hold (User)"
    )
    valid_access_set(system=world["system"], access_type="all_staff", user=world["user"])
    assert items(VALID_KEY) == {}


def test_fixing_a_mapping_or_removing_the_account_passes_the_item(world) -> None:  # type: ignore[no-untyped-def]
    bot = Account.objects.get(email="alerts-bot@example.com")
    owner = StaffMember.objects.get(email="ana@example.com")
    mapping_set(
        account=bot,
        kind=MappingKind.NOT_A_PERSON,
        owner=owner,
        reason="Alert bot",
        user=world["user"],
    )
    access_changed(reason="test")
    assert set(items(IDENTIFIED_KEY)) == {"stranger@example.com on OpsGenie"}
    # Bob's account disappears upstream: kept, dated, and no longer failing.
    remaining = [r for r in world["records"] if r.email != "BOB@example.com"]
    ACCOUNTS.save(connection=world["connection"], records=remaining)
    ACCOUNTS.flag_missing(connection=world["connection"], listed={r.upstream_id for r in remaining})
    access_changed(reason="test")
    assert items(OFFBOARDED_KEY) == {}
    assert Account.objects.get(email="BOB@example.com").removed_at is not None
    assert bot.mapping.history.count() == 2  # matched by email, then set by hand


def test_an_external_past_its_end_date_fails_the_offboarded_check(world) -> None:  # type: ignore[no-untyped-def]
    stranger = Account.objects.get(email="stranger@example.com")
    mapping_set(
        account=stranger,
        kind=MappingKind.EXTERNAL,
        external_until=timezone.localdate() - timedelta(days=3),
        user=world["user"],
    )
    access_changed(reason="test")
    reason = items(OFFBOARDED_KEY)["stranger@example.com on OpsGenie"]
    assert "External access was agreed until" in reason and "(3 d ago)" in reason


def test_a_new_person_in_the_directory_identifies_their_account(world) -> None:  # type: ignore[no-untyped-def]
    StaffMember.objects.create(name="Stan Ger", email="stranger@example.com")
    access_changed(reason="staff imported")
    assert set(items(IDENTIFIED_KEY)) == {"alerts-bot@example.com on OpsGenie"}


def test_accounts_csv_lists_every_account_with_who_it_belongs_to(world, admin_user) -> None:  # type: ignore[no-untyped-def]
    remaining = [r for r in world["records"] if r.email != "BOB@example.com"]
    ACCOUNTS.flag_missing(connection=world["connection"], listed={r.upstream_id for r in remaining})
    today = timezone.localdate()
    period = Period(start=today - timedelta(days=1), end=today)
    with build_evidence_zip(period=period, generated_by=admin_user, now=timezone.now()) as file:
        rows = {row["email"]: row for row in read_csv(read_zip(file.read()), "accounts.csv")}
    assert set(rows) == {r.email for r in world["records"]}
    assert rows["BOB@example.com"]["category"] == "Offboarded staff"
    assert rows["BOB@example.com"]["state"] == "Removed upstream"
    assert rows["BOB@example.com"]["removed_on"].startswith(today.isoformat())
    assert rows["D.Alias@example.com"]["staff_email"] == "dave@example.com"
    assert rows["stranger@example.com"]["category"] == "Not identified"
    assert rows["carol@example.com"]["upstream_role"] == "Admin"
    assert date.fromisoformat(rows["ana@example.com"]["first_synced_at"][:10]) == today


def test_importing_the_person_identifies_their_account_at_once(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    csv_file = tmp_path / "staff.csv"
    csv_file.write_text(
        "name,email,org_role,status,last_working_day,manager_email\n"
        "Stan Ger,stranger@example.com,Engineering,active,,\n"
    )
    call_command("import_staff", str(csv_file))
    assert set(items(IDENTIFIED_KEY)) == {"alerts-bot@example.com on OpsGenie"}
    mapping = Account.objects.get(email="stranger@example.com").mapping
    assert mapping.staff.name == "Stan Ger" and mapping.source == "email"


def test_the_demo_directory_is_loaded_only_into_an_empty_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    csv_file = tmp_path / "demo.csv"
    csv_file.write_text("name,email\nNew Person,new@example.com\n")
    StaffMember.objects.create(name="Kept", email="kept@example.com")
    call_command("import_staff", str(csv_file), "--if-empty")
    assert list(StaffMember.objects.values_list("email", flat=True)) == ["kept@example.com"]
    StaffMember.objects.all().delete()
    call_command("import_staff", str(csv_file), "--if-empty")
    assert list(StaffMember.objects.values_list("email", flat=True)) == ["new@example.com"]


def test_the_categories_in_sql_and_in_python_agree(world) -> None:  # type: ignore[no-untyped-def]
    stranger = Account.objects.get(email="stranger@example.com")
    mapping_set(
        account=stranger,
        kind=MappingKind.EXTERNAL,
        external_until=timezone.localdate(),
        user=world["user"],
    )
    bot = Account.objects.get(email="alerts-bot@example.com")
    owner = StaffMember.objects.get(email="ana@example.com")
    mapping_set(account=bot, kind=MappingKind.NOT_A_PERSON, owner=owner, user=world["user"])
    ACCOUNTS.save(connection=world["connection"], records=[record(9, "nobody@example.com")])
    access_changed(reason="test")
    seen = set()
    for account in Account.objects.select_related("mapping__staff"):
        matching = [
            name
            for name in CATEGORIES
            if Account.objects.filter(pk=account.pk).filter(CATEGORY_FILTERS[name]).exists()
        ]
        assert matching == [category(getattr(account, "mapping", None))], account.email
        seen.update(matching)
    assert seen == set(CATEGORIES)  # every category is exercised


def test_each_mapping_by_email_is_kept_in_its_history(world) -> None:  # type: ignore[no-untyped-def]
    """The sync's matching writes in bulk: each mapping still gets its creation record, a later
    match (the person joins the directory) its change, and a rematch with nothing new none."""
    created = {
        h.account.email: (h.history_type, h.kind, h.staff and h.staff.email, h.history_user)
        for h in Account.objects.get(email="ana@example.com").mapping.history.model.objects.all()
    }
    assert len(created) == len(world["records"])
    assert created["ana@example.com"] == ("+", MappingKind.STAFF, "ana@example.com", None)
    assert created["D.Alias@example.com"] == ("+", MappingKind.STAFF, "dave@example.com", None)
    assert created["stranger@example.com"] == ("+", MappingKind.NOT_IDENTIFIED, None, None)
    history = Account.objects.get(email="ana@example.com").mapping.history.model.objects
    assert set(history.values_list("history_change_reason", flat=True)) == {"matched by email"}

    StaffMember.objects.create(name="Stranger Now Known", email="Stranger@Example.com")
    access_changed(reason="test")
    stranger = Account.objects.get(email="stranger@example.com").mapping
    latest = stranger.history.first()
    assert (latest.history_type, latest.kind, latest.staff.name) == (
        "~",
        MappingKind.STAFF,
        "Stranger Now Known",
    )
    before = history.count()
    access_changed(reason="test")
    assert history.count() == before == len(world["records"]) + 1
