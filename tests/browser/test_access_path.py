"""Issue 11's "Done when", walked in Chromium through the real pages: the demo staff directory
imported with its preview, both emulators added as critical systems, each access check failing
with items a person understands, a mapping and a valid access type fixing the right items, a
review run by a reviewer and an admin to sign-off, a revocation verified by the next sync after
the sandbox removes the account, and the evidence ZIP holding it all.

Python does only what a user does not do in the app: run the sandbox, make the users and the
connections (the wizards have their own tests), and run the syncs the worker would run."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

OFFBOARDED_TITLE = "OpsGenie access should be removed for offboarded user"
IDENTIFIED_TITLE = "User should be identified"
VALID_TITLE = "User access to critical system should be valid"
RULES_TITLE = "Rules for who can access critical systems should be configured"
REVOKE_NOTE = "Left the company: remove the OpsGenie account."


@pytest.fixture
def upstream(settings) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """Both emulators, 30 users each and few incidents; the app pointed at them as `make run`
    does. Its own server: the test removes a user from it."""
    from integrations.sandbox.server import SandboxServer
    from tests.pagerduty.conftest import point_at

    server = SandboxServer(seed=3, incidents=3, users=30, pagerduty_incidents=3).start()
    settings.OPSGENIE_BASE_URLS = {region: server.opsgenie_url(region) for region in ("us", "eu")}
    point_at(server, settings)
    yield server
    server.stop()


def test_the_access_path_from_the_demo_directory_to_the_evidence(  # type: ignore[no-untyped-def]
    chromium,
    live_server,
    transactional_db,
    django_user_model,
    upstream,
    settings,
    tmp_path,
    monkeypatch,
) -> None:
    from accounts.roles import Role
    from integrations.sandbox.demo_staff import demo_staff_csv, demo_staff_rows
    from tests.conftest import make_connection, make_user

    # The emulators with user accounts (OpsGenie's, PagerDuty's; JSM's Ops API lists none).
    people = [listed for mounted in upstream.mounted if (listed := mounted.people())]
    today = date.today()
    rows = demo_staff_rows(people, today)
    opsgenie_people, _ = people
    opsgenie_emails = [email.lower() for _name, email, _role in opsgenie_people]
    directory = {row["email"]: row for row in rows}
    # The leaver whose OpsGenie account the review revokes, and an OpsGenie account that nobody
    # in the directory has (the demo leaves two out: one to mark Not a person).
    leaver = next(
        directory[email]
        for email in opsgenie_emails
        if directory.get(email, {}).get("status") == "offboarded"
    )
    unknown = [email for email in opsgenie_emails if email not in directory]
    shared, still_unknown = unknown[0], unknown[-1]
    manager = rows[0]  # everyone's manager in the demo directory, and the reviewer here

    make_user(django_user_model, "ada-admin", Role.ADMIN)
    make_user(django_user_model, "mia-manager", Role.STAFF, email=manager["email"])
    connections = {
        "OpsGenie": make_connection(api_key=upstream.keys.opsgenie_us),
        "PagerDuty": make_connection(provider="pagerduty", api_key=upstream.keys.pagerduty_us),
    }

    contexts = [chromium.new_context(), chromium.new_context()]
    try:
        admin = contexts[0].new_page()
        reviewer = contexts[1].new_page()
        for page in (admin, reviewer):
            page.set_default_timeout(10_000)
        log_in(admin, live_server, "ada-admin")
        _import_directory(admin, rows, leaver, demo_staff_csv(people, today))
        systems = _add_critical_systems(admin, connections)
        _each_check_fails_for_a_reason(admin, leaver, shared, still_unknown)
        _fix_the_rules_and_a_mapping(admin, systems, shared, still_unknown, manager)
        review_url, sha = _run_a_review_to_sign_off(
            admin, reviewer, live_server, leaver, connections["OpsGenie"]
        )
        _the_next_sync_verifies_the_revocation(
            admin, review_url, leaver, upstream, connections["OpsGenie"]
        )
        _the_zip_holds_it_all(admin, rows, leaver, sha, settings, tmp_path, monkeypatch)
    finally:
        for context in contexts:
            context.close()


def _nav(page, label: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()


def _csv_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _upload(page, name: str, content: bytes) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Preview: nothing is saved yet")).to_be_visible()


def _import_directory(page, rows: list[dict], leaver: dict, demo_csv: str) -> None:  # type: ignore[no-untyped-def]
    """Last quarter's directory knew the leavers as active; this quarter's file (the demo
    directory) offboards them, so the preview shows both created and offboarded people."""
    leavers = [row for row in rows if row["status"] == "offboarded"]
    before = [
        {**row, "status": "active", "last_working_day": "", "manager_email": ""} for row in leavers
    ]
    _nav(page, "Access")
    page.get_by_role("link", name="Staff directory").click()
    expect(page.get_by_text("No one is in the staff directory yet")).to_be_visible()
    _upload(page, "staff-last-quarter.csv", _csv_bytes(before))
    expect(page.get_by_text(f"Created: {len(leavers)} people")).to_be_visible()
    page.get_by_role("button", name="Confirm and save").click()
    expect(page.get_by_text("Staff import saved.")).to_be_visible()

    _upload(page, "staff.csv", demo_csv.encode())
    summary = page.locator("section.card", has_text="Preview: nothing is saved yet")
    expect(summary).to_contain_text(f"Created: {len(rows) - len(leavers)} people")
    expect(summary).to_contain_text(f"Offboarded: {len(leavers)} people")
    offboarded = page.locator("section.card", has_text=f"Offboarded ({len(leavers)})")
    expect(offboarded.locator("tr", has_text=leaver["email"])).to_contain_text(
        "Active → Offboarded"
    )
    page.get_by_role("button", name="Confirm and save").click()
    expect(page.get_by_text("Staff import saved.")).to_be_visible()
    expect(page.get_by_text(f"{len(rows)} people")).to_be_visible()
    page.get_by_label("Status").select_option("offboarded")
    expect(page.get_by_text(f"{len(leavers)} people match the filters")).to_be_visible()
    expect(page.locator("tr", has_text=leaver["email"])).to_contain_text(leaver["name"])


def _add_critical_systems(page, connections) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Access → Add critical system for each connection; the worker's sync reads the accounts."""
    from tests.sync.conftest import run_sync

    systems = {}
    for name, connection in connections.items():
        _nav(page, "Access")
        page.get_by_label("Add critical system").select_option(label=name)
        page.get_by_role("button", name="Add critical system").click()
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
        expect(page.get_by_text("The accounts have not been read yet")).to_be_visible()
        systems[name] = page.url
        run = run_sync(connection, full=True)
        assert run.counts["accounts"]["created"] == 30, run.counts
        page.reload()
        accounts = page.locator('section[aria-labelledby="accounts-heading"]')
        expect(accounts.locator("tbody tr")).to_have_count(30)
        expect(accounts.get_by_role("link", name="Offboarded staff: 2")).to_be_visible()
        expect(page.get_by_role("alert")).to_have_text(
            "Rules for who can access this system should be configured."
        )
    _nav(page, "Access")
    table = page.locator('section[aria-labelledby="systems-heading"] tbody tr')
    expect(table).to_have_count(2)
    expect(table.nth(0)).to_contain_text("Not configured")
    return systems


def _open_check(page, title: str):  # type: ignore[no-untyped-def]
    _nav(page, "Checks")
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    return page.locator('section[aria-labelledby="items-heading"]')


def _item(items, label: str):  # type: ignore[no-untyped-def]
    return items.locator("tbody tr", has=items.page.get_by_role("link", name=label, exact=True))


def _each_check_fails_for_a_reason(page, leaver: dict, shared: str, still_unknown: str) -> None:  # type: ignore[no-untyped-def]
    items = _open_check(page, OFFBOARDED_TITLE)
    expect(page.locator(".check-status").first).to_have_text("Failing")
    row = _item(items, f"{leaver['email']} on OpsGenie")
    expect(row).to_contain_text(f"{leaver['name']} is offboarded (last working day")
    expect(row).to_contain_text("the account still exists in OpsGenie")

    items = _open_check(page, IDENTIFIED_TITLE)
    expect(page.locator(".check-status").first).to_have_text("Failing")
    for email in (shared, still_unknown):
        expect(_item(items, f"{email} on OpsGenie")).to_contain_text(
            f"No one in the staff directory has the email {email}"
        )

    items = _open_check(page, RULES_TITLE)
    expect(page.locator(".check-status").first).to_have_text("Failing")
    for name in ("OpsGenie", "PagerDuty"):
        expect(_item(items, name)).to_contain_text(
            "Rules for who can access this system should be configured"
        )


def _fix_the_rules_and_a_mapping(  # type: ignore[no-untyped-def]
    page, systems, shared: str, still_unknown: str, manager: dict
) -> None:
    # OpsGenie: staff role-based, Support holding only the User role.
    page.goto(systems["OpsGenie"])
    page.get_by_label("Staff role-based").check()
    for role in ("Engineering", "SRE", "Support", "Finance"):
        page.locator(".role-rule", has_text=role).get_by_label(role, exact=True).check()
    page.locator(".role-rule", has_text="Support").get_by_label("User", exact=True).check()
    page.get_by_role("button", name="Save valid access type").click()
    expect(page.get_by_text("Valid access type saved")).to_be_visible()
    expect(
        page.get_by_text("Rules for who can access this system should be configured")
    ).to_have_count(0)

    items = _open_check(page, RULES_TITLE)
    expect(_item(items, "OpsGenie")).to_have_count(0)
    expect(_item(items, "PagerDuty")).to_be_visible()
    # The Support admin is now above what Support may hold.
    valid = _open_check(page, VALID_TITLE)
    expect(valid).to_contain_text("Upstream role Admin is above what Support may hold (User)")

    page.goto(systems["PagerDuty"])
    page.get_by_label("All staff").check()
    page.get_by_role("button", name="Save valid access type").click()
    expect(page.get_by_text("Valid access type saved")).to_be_visible()
    _open_check(page, RULES_TITLE)
    expect(page.locator(".check-status").first).to_have_text("Passing")
    expect(page.get_by_text("Nothing fails this check.")).to_be_visible()

    # A shared account: from its failing item to its page, marked Not a person.
    items = _open_check(page, IDENTIFIED_TITLE)
    _item(items, f"{shared} on OpsGenie").get_by_role("link").click()
    expect(page.get_by_role("heading", name=f"{shared} on OpsGenie")).to_be_visible()
    page.get_by_label("Not a person (service or shared account)").check()
    page.get_by_label("Owner (who answers for it)").select_option(
        label=f"{manager['name']} <{manager['email']}>"
    )
    page.get_by_label("Reason").fill("Shared on-call phone of the SRE team")
    page.get_by_role("button", name="Save mapping").click()
    expect(page.get_by_text("Mapping saved")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("Not a person")

    items = _open_check(page, IDENTIFIED_TITLE)
    expect(_item(items, f"{still_unknown} on OpsGenie")).to_be_visible()
    expect(_item(items, f"{shared} on OpsGenie")).to_have_count(0)


def _run_a_review_to_sign_off(admin, reviewer, live_server, leaver: dict, connection):  # type: ignore[no-untyped-def]
    """The admin starts a review of OpsGenie with managers as reviewers; the manager revokes
    the leaver's account and keeps the rest of theirs in bulk; the admin keeps what is left
    (accounts without a manager) and signs off."""
    from access.models import Account

    accounts = Account.objects.filter(connection=connection, removed_at=None).count()
    _nav(admin, "Reviews")
    admin.get_by_role("link", name="Start a review").click()
    admin.get_by_label("Name", exact=True).fill("Q4 OpsGenie access review")
    admin.get_by_label("OpsGenie").check()
    admin.get_by_label("Due date").fill(date.today().isoformat())
    admin.get_by_label("Each account's manager (staff directory)").check()
    admin.get_by_role("button", name="Start review").click()
    expect(admin.get_by_text(f"a snapshot of {accounts} accounts was frozen")).to_be_visible()
    review_url = admin.url

    log_in(reviewer, live_server, "mia-manager")
    my_reviews = reviewer.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile(r"^My reviews \(\d+\)$")
    )
    my_reviews.click()
    reviewer.get_by_role("link", name=leaver["email"], exact=True).click()
    expect(reviewer.get_by_role("heading", name=f"{leaver['email']} on OpsGenie")).to_be_visible()
    reviewer.get_by_label("Revoke").check()
    reviewer.get_by_label("Note").fill(REVOKE_NOTE)
    reviewer.get_by_role("button", name="Save decision").click()
    expect(reviewer.get_by_text(f"{leaver['email']} on OpsGenie: Revoke.")).to_be_visible()
    _keep_every_ticked(reviewer, "Checked against the directory: all still on call.")
    expect(reviewer.get_by_text("Nothing is waiting for your decision.")).to_be_visible()

    admin.goto(review_url)
    summary = admin.locator('section[aria-labelledby="summary-heading"]')
    expect(summary.locator("dd", has_text="Not yet")).to_be_visible()
    _keep_every_ticked(admin, "No manager in the directory: kept after asking the SRE lead.")
    admin.get_by_role("button", name="Sign off").click()
    expect(admin.get_by_text("Signed off: the decisions are final.")).to_be_visible()
    facts = summary.locator("dl.facts")
    expect(facts).to_contain_text("by ada-admin; the decisions are final")
    expect(facts).to_contain_text(f"{accounts} (0 pending, 1 to revoke, 0 to change role)")
    expect(facts).to_contain_text("the stored snapshot matches it")
    sha = facts.locator("code").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", sha), sha
    row = admin.locator("tbody tr", has_text=leaver["email"])
    expect(row).to_contain_text("Revoke")
    expect(row).to_contain_text(REVOKE_NOTE)
    expect(row).to_contain_text("Not done yet")
    return review_url, sha


def _keep_every_ticked(page, note: str) -> None:  # type: ignore[no-untyped-def]
    boxes = page.get_by_role("checkbox", name=re.compile(r"^Select "))
    expect(boxes.first).to_be_visible()
    count = boxes.count()
    for index in range(count):
        boxes.nth(index).check()
    page.get_by_label("Keep the ticked accounts, with one note").fill(note)
    page.get_by_role("button", name="Keep selected").click()
    expect(
        page.get_by_text(f"Kept {count} account{'s' if count != 1 else ''} in bulk.")
    ).to_be_visible()


def _the_next_sync_verifies_the_revocation(  # type: ignore[no-untyped-def]
    page, review_url: str, leaver: dict, upstream, connection
) -> None:
    from access.models import Account
    from tests.sync.conftest import run_sync

    account = Account.objects.get(connection=connection, email=leaver["email"])
    upstream.opsgenie_stores["us"].remove_users({account.upstream_id})
    run = run_sync(connection)
    assert run.counts["accounts"]["deleted"] == 1, run.counts

    page.goto(review_url)
    row = page.locator("tbody tr", has_text=leaver["email"])
    expect(row.locator(".outcome")).to_have_text("Done")
    expect(row).to_contain_text("took ")
    row.get_by_role("link", name=leaver["email"], exact=True).click()
    expect(page.get_by_text("a sync showed it on")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("Removed upstream on")
    # The leaver's item passes: the account is gone from OpsGenie.
    items = _open_check(page, OFFBOARDED_TITLE)
    expect(_item(items, f"{leaver['email']} on OpsGenie")).to_have_count(0)


def _read_csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    path = next(e for e in archive.namelist() if e == name or e.endswith(f"/{name}"))
    return list(csv.DictReader(io.StringIO(archive.read(path).decode("utf-8-sig"))))


def _the_zip_holds_it_all(  # type: ignore[no-untyped-def]
    page, rows: list[dict], leaver: dict, sha: str, settings, tmp_path, monkeypatch
) -> None:
    """The export is queued by the page and built by the worker's task (run here as the worker
    would); the page's list, polling, offers the download once it is ready."""
    from access.models import Account
    from evidence.tasks import build_export_task

    settings.EVIDENCE_EXPORT_DIR = str(tmp_path / "exports")
    queued: list[int] = []
    monkeypatch.setattr("evidence.tasks.async_task", lambda func, pk, **kwargs: queued.append(pk))
    _nav(page, "Evidence")
    page.get_by_role("button", name="Start export").click()
    exports = page.locator("#exports")
    expect(exports).to_contain_text("Queued…")
    (export_id,) = queued
    assert build_export_task(export_id).startswith("done")
    expect(exports).to_contain_text("Ready")  # the list polls every 3 s while one is queued
    with page.expect_download() as download:
        exports.get_by_role("link", name=re.compile(r"^Download evidence-")).click()
    with zipfile.ZipFile(download.value.path()) as archive:
        staff = _read_csv(archive, "staff.csv")
        accounts = _read_csv(archive, "accounts.csv")
        reviews = _read_csv(archive, "access_reviews.csv")
        (review,) = reviews
        decisions = _read_csv(archive, review["decisions_file"])
        manifest = archive.read("manifest.json").decode()

    assert {row["email"] for row in staff} == {row["email"] for row in rows}
    gone = next(row for row in staff if row["email"] == leaver["email"])
    assert (gone["status"], gone["last_working_day"]) == ("Offboarded", leaver["last_working_day"])

    removed = Account.objects.get(email=leaver["email"], connection__provider="opsgenie")
    account = next(
        row for row in accounts if row["email"] == leaver["email"] and row["system"] == "OpsGenie"
    )
    assert account["state"] == "Removed upstream"
    assert account["category"] == "Offboarded staff"
    assert account["removed_on"] == removed.removed_at.astimezone(UTC).isoformat()
    assert len(accounts) == 60  # every account of both systems, the removed one included

    assert review["snapshot_sha256"] == sha
    assert review["snapshot_matches_sha256"] == "yes"
    assert (review["signed_off_by"], review["revoked"], review["revocations_done"]) == (
        "ada-admin",
        "1",
        "1",
    )
    assert review["pending"] == "0"
    assert sha in manifest

    revoked = [row for row in decisions if row["decision"] == "Revoke"]
    assert [row["email"] for row in revoked] == [leaver["email"]]
    assert (revoked[0]["note"], revoked[0]["decided_by"], revoked[0]["outcome"]) == (
        REVOKE_NOTE,
        "mia-manager",
        "Done",
    )
    assert revoked[0]["done_at"]
    assert {row["decision"] for row in decisions} == {"Keep", "Revoke"}
