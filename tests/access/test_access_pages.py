"""Access pages: adding a critical system, its valid access type, and mapping an account."""

from __future__ import annotations

import pytest

from access.checks import IDENTIFIED_KEY, RULES_KEY
from access.mapping import rematch
from access.models import Account, AccountMapping, CriticalSystem, OrgRole, StaffMember
from access.store import ACCOUNTS
from checks.models import CheckState
from integrations.records import AccountRecord
from integrations.sync.stores import stream_wanted
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db


def test_an_admin_adds_a_critical_system_and_its_rules(admin_client, auditor_client) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection()
    assert auditor_client.post("/access/", {"connection": connection.pk}).status_code == 403
    assert not CriticalSystem.objects.exists()
    response = admin_client.post("/access/", {"connection": connection.pk})
    system = CriticalSystem.objects.get()
    assert response["Location"] == f"/access/systems/{system.pk}/"
    page = admin_client.get(response["Location"]).content.decode()
    assert "its accounts are read at the next sync" in page
    assert "The accounts have not been read yet" in page
    assert "Rules for who can access this system should be configured." in page
    assert CheckState.objects.get(key=RULES_KEY).status == "failing"
    # Twice is refused with a message, nothing added.
    page = admin_client.post("/access/", {"connection": connection.pk}).content.decode()
    assert "Choose a connected integration from the list." in page
    role = OrgRole.objects.create(name="SRE")
    # The upstream roles offered: the provider's, and any seen on its accounts.
    ACCOUNTS.save(
        connection=connection,
        records=[AccountRecord(upstream_id="u1", email="sre@example.com", name="S", role="Admin")],
    )
    refused = admin_client.post(f"/access/systems/{system.pk}/", {"access_type": "role_based"})
    assert "Tick at least one org role" in refused.content.decode()
    admin_client.post(
        f"/access/systems/{system.pk}/",
        {"access_type": "role_based", f"role_{role.pk}": "on", f"upstream_{role.pk}": ["Admin"]},
    )
    system.refresh_from_db()
    assert system.access_type == "role_based"
    assert list(system.allowed.values_list("org_role__name", "upstream_roles")) == [
        ("SRE", ["Admin"])
    ]
    assert CheckState.objects.get(key=RULES_KEY).status == "passing"
    auditor_page = auditor_client.get(f"/access/systems/{system.pk}/").content.decode()
    assert "Save valid access type" not in auditor_page and "Admin" in auditor_page


def test_an_admin_maps_an_account_by_hand_and_back(admin_client, auditor_client) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection()
    CriticalSystem.objects.create(connection=connection)
    person = StaffMember.objects.create(name="Zoë Ąccent", email="zoe@example.com")
    ACCOUNTS.save(
        connection=connection,
        records=[
            AccountRecord(upstream_id="u1", email="z.personal@example.com", name="Zoë", role="User")
        ],
    )
    rematch()  # as the sync's evaluator does once the listing is read
    account = Account.objects.get()
    url = f"/accounts/{account.pk}/"
    assert (
        auditor_client.post(f"/access{url}", {"kind": "staff", "staff": person.pk}).status_code
        == 403
    )
    assert AccountMapping.objects.get().kind == "not_identified"
    page = admin_client.post(f"/access{url}", {"kind": "not_a_person"}).content.decode()
    assert "A service or shared account needs an owner." in page
    assert AccountMapping.objects.get().kind == "not_identified"
    admin_client.post(f"/access{url}", {"kind": "staff", "staff": person.pk})
    mapping = AccountMapping.objects.get()
    assert (mapping.kind, mapping.staff, mapping.source) == ("staff", person, "manual")
    assert CheckState.objects.get(key=IDENTIFIED_KEY).status == "passing"
    page = auditor_client.get(f"/access{url}").content.decode()
    assert "Zoë Ąccent" in page and "Set by hand" in page and "alice-admin" in page
    admin_client.post(f"/access{url}", {"kind": "email"})
    assert AccountMapping.objects.get().kind == "not_identified"
    assert CheckState.objects.get(key=IDENTIFIED_KEY).status == "failing"


def test_only_a_critical_system_reads_its_accounts() -> None:
    connection = make_connection()
    assert not stream_wanted("accounts", connection)
    assert stream_wanted("incidents", connection)  # a stream no app filters is always read
    CriticalSystem.objects.create(connection=connection)
    assert stream_wanted("accounts", connection)


def test_a_long_account_list_pages_and_keeps_its_filter(auditor_client) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection()
    system = CriticalSystem.objects.create(connection=connection)
    ACCOUNTS.save(
        connection=connection,
        records=[
            AccountRecord(upstream_id=f"u{n}", email=f"p{n:03d}@example.com", name="P", role="User")
            for n in range(120)
        ],
    )
    rematch()
    page = auditor_client.get(f"/access/systems/{system.pk}/?category=Not+identified").content
    text = page.decode()
    assert "Page 1 of 3" in text
    assert 'href="?category=Not+identified&amp;page=2" rel="next">Next</a>' in text
    last = auditor_client.get(f"/access/systems/{system.pk}/?category=Not+identified&page=3")
    assert (
        "p119@example.com" in last.content.decode()
        and 'rel="prev">Previous' in last.content.decode()
    )
