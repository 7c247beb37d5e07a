"""A critical system's accounts table, drawn in Python: each cell says what it said when the
template drew it (who the account belongs to, its category, its state), every upstream value
escaped, and the table lists the live accounts by email, 50 a page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from access.mapping import rematch
from access.models import Account, CriticalSystem, OrgRole, StaffStatus
from access.store import ACCOUNTS
from integrations.records import AccountRecord
from tests.access.conftest import person
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db


def _system_with_accounts() -> CriticalSystem:
    connection = make_connection()
    system = CriticalSystem.objects.create(connection=connection)
    person("Ann Able", "ann@example.com", org_role="SRE")
    person("Bob Baker", "bob@example.com", status=StaffStatus.OFFBOARDED)
    ACCOUNTS.save(
        connection=connection,
        records=[
            AccountRecord(upstream_id="1", email="ann@example.com", name="Ann", role="Admin"),
            AccountRecord(upstream_id="2", email="bob@example.com", name="Bob", role="User"),
            AccountRecord(
                upstream_id="3", email="", name="<b>Bot</b> & co", role="", invitation_pending=True
            ),
            AccountRecord(
                upstream_id="4", email="gone@example.com", name="Gone", role="User", blocked=True
            ),
        ],
    )
    rematch()
    return system


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(row.split()) for row in body.split("<tr>")[1:]]


def test_each_row_names_the_person_the_category_and_the_state(auditor_client) -> None:  # type: ignore[no-untyped-def]
    system = _system_with_accounts()
    ids = dict(Account.objects.values_list("upstream_id", "pk"))
    rows = _rows(auditor_client.get(f"/access/systems/{system.pk}/").content.decode())
    # By email: the one without an email first (""), then ann, bob, gone.
    assert rows == [
        f'<td><a href="/access/accounts/{ids["3"]}/">(no email)</a></td>'
        "<td>&lt;b&gt;Bot&lt;/b&gt; &amp; co</td><td>—</td> <td>—</td> "
        "<td>Not identified</td> <td>Invitation pending</td></tr>",
        f'<td><a href="/access/accounts/{ids["1"]}/">ann@example.com</a></td><td>Ann</td>'
        '<td>Admin</td> <td>Ann Able <span class="hint">(SRE)</span></td> '
        "<td>Existing staff</td> <td>Active</td></tr>",
        f'<td><a href="/access/accounts/{ids["2"]}/">bob@example.com</a></td><td>Bob</td>'
        "<td>User</td> <td>Bob Baker</td> <td>Offboarded staff</td> <td>Active</td></tr>",
        f'<td><a href="/access/accounts/{ids["4"]}/">gone@example.com</a></td><td>Gone</td>'
        "<td>User</td> <td>—</td> <td>Not identified</td> <td>Blocked</td></tr>",
    ]


def test_a_removed_account_says_the_day_it_was_seen_gone(auditor_client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.TIME_ZONE = "Europe/Berlin"
    system = _system_with_accounts()
    # 23:30 UTC on 2 December is already 3 December in Berlin.
    Account.objects.filter(upstream_id="4").update(
        removed_at=datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    )
    live = _rows(auditor_client.get(f"/access/systems/{system.pk}/").content.decode())
    assert [row for row in live if "gone@example.com" in row] == []
    removed = _rows(
        auditor_client.get(f"/access/systems/{system.pk}/?category=removed").content.decode()
    )
    assert len(removed) == 1 and "<td>Removed on 3 Dec 2026</td>" in removed[0]


def test_a_search_and_a_category_list_only_their_accounts(auditor_client) -> None:  # type: ignore[no-untyped-def]
    system = _system_with_accounts()
    url = f"/access/systems/{system.pk}/"
    searched = _rows(auditor_client.get(url, {"q": "BOB"}).content.decode())
    assert len(searched) == 1 and "bob@example.com" in searched[0]
    offboarded = _rows(auditor_client.get(url, {"category": "Offboarded staff"}).content.decode())
    assert len(offboarded) == 1 and "bob@example.com" in offboarded[0]
    nobody = auditor_client.get(url, {"q": "wombat"}).content.decode()
    assert "No account matches." in nobody and "<tbody>" not in nobody


def test_a_page_past_the_end_shows_the_last_and_a_bad_number_the_first(auditor_client) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection()
    system = CriticalSystem.objects.create(connection=connection)
    ACCOUNTS.save(
        connection=connection,
        records=[
            AccountRecord(upstream_id=f"u{n}", email=f"p{n:03d}@example.com", name="P", role="")
            for n in range(60)
        ],
    )
    url = f"/access/systems/{system.pk}/"
    for past in ("3", "99", "9" * 30):
        last = auditor_client.get(url, {"page": past}).content.decode()
        assert "Page 2 of 2" in last and len(_rows(last)) == 10 and "p059@example.com" in last
    for bad in ("abc", "0", "-3", ""):
        first = auditor_client.get(url, {"page": bad}).content.decode()
        assert "Page 1 of 2" in first and len(_rows(first)) == 50, bad
        assert "p000@example.com" in first and "p050@example.com" not in first


def test_the_counts_and_the_custom_roles_come_from_every_account(admin_client) -> None:  # type: ignore[no-untyped-def]
    system = _system_with_accounts()
    connection = system.connection
    ACCOUNTS.save(
        connection=connection,
        records=[
            AccountRecord(upstream_id="5", email="obs@example.com", name="O", role="Observer"),
            AccountRecord(upstream_id="6", email="old@example.com", name="X", role="Retired"),
        ],
    )
    # One account with a role of its own removed upstream: its role is still one to allow.
    Account.objects.filter(upstream_id="6").update(removed_at=datetime(2026, 12, 1, tzinfo=UTC))
    html = admin_client.get(f"/access/systems/{system.pk}/").content.decode()
    # Ann is existing staff, Bob offboarded; the bot, Gone and the observer are not identified.
    for tag in ("Existing staff: 1", "Offboarded staff: 1", "Not identified: 3"):
        assert f">{tag}</a>" in html, tag
    assert ">Removed upstream: 1</a>" in html
    # OpsGenie's own roles are not "custom"; the two seen only on these accounts are, once in
    # each org role's choices.
    rules = OrgRole.objects.count()
    assert rules and html.count("Observer (custom)") == html.count("Retired (custom)") == rules
    assert "Admin (custom)" not in html and "User (custom)" not in html
    assert " (custom)" not in html.replace("Observer (custom)", "").replace("Retired (custom)", "")


def test_the_page_reads_its_rows_in_as_many_queries_for_3_accounts_as_for_30(
    auditor_client,
) -> None:  # type: ignore[no-untyped-def]
    """The rows are read with only the columns a row shows (account_rows.ROW_FIELDS): a cell
    reading one left out would cost a query per row, which this counts."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    connection = make_connection()
    system = CriticalSystem.objects.create(connection=connection)
    url = f"/access/systems/{system.pk}/"
    counts = []
    for size in (3, 30):
        Account.objects.filter(connection=connection).delete()
        records = []
        for n in range(size):
            email = f"p{size}-{n:02d}@example.com"
            person(f"P {n}", email, org_role="SRE")
            records.append(AccountRecord(upstream_id=f"{size}-{n}", email=email, name="P", role=""))
        ACCOUNTS.save(connection=connection, records=records)
        rematch()
        # Every third one removed upstream: the removed list reads its date.
        removed = Account.objects.filter(connection=connection).order_by("pk")[::3]
        Account.objects.filter(pk__in=[a.pk for a in removed]).update(
            removed_at=datetime(2026, 12, 1, tzinfo=UTC)
        )
        pages = []
        for params in ({}, {"category": "removed"}):
            with CaptureQueriesContext(db) as queries:
                html = auditor_client.get(url, params).content.decode()
            shown = _rows(html)
            # Mapped to people (the SRE's role shown beside the name) and dated once removed.
            assert shown and all("P " in row for row in shown), params
            assert ("(SRE)" in html) and (("Removed on 1 Dec 2026" in html) == bool(params))
            pages.append(len(queries))
        counts.append(pages)
    assert counts[0] == counts[1], counts
