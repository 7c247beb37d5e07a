from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_staff_report_data_loss_and_an_admin_completes_it(
    chromium, live_server, transactional_db, django_user_model
) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from accounts.roles import Role
    from checks.engine import evaluate
    from incidents.models import Incident
    from tests.conftest import make_connection, make_user

    make_user(django_user_model, "sam-staff", Role.STAFF)
    make_user(django_user_model, "ada-admin", Role.ADMIN)
    connection = make_connection()
    incident = Incident.objects.create(
        connection=connection,
        source="opsgenie",
        upstream_id="u1",
        number="7",
        title="Customer export bucket exposed",
        status="resolved",
        priority="high",
        created_at=timezone.now(),
        resolved_at=timezone.now(),
        content_hash="x",
        changed_at=timezone.now(),
    )
    evaluate()
    url = f"{live_server.url}/incidents/{incident.pk}/"
    data_loss_check = "Data loss information should be added for the reported incident"

    contexts = [chromium.new_context(), chromium.new_context()]
    try:
        _walk(contexts, live_server, url, data_loss_check)
    finally:
        for context in contexts:
            context.close()


def _walk(contexts, live_server, url: str, data_loss_check: str) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    staff = contexts[0].new_page()
    log_in(staff, live_server, "sam-staff")
    staff.goto(url)
    staff.get_by_label("Yes").check()
    staff.get_by_label("What happened").fill("A public link exposed the export bucket.")
    staff.get_by_label("Personal data").check()
    staff.get_by_label("Approximate people affected").fill("40")
    staff.get_by_role("button", name="Save report").click()
    check = staff.locator(".check-result", has_text=data_loss_check)
    expect(check).to_contain_text("Failing")
    expect(check).to_contain_text("missing: a stakeholder notification")

    admin = contexts[1].new_page()
    log_in(admin, live_server, "ada-admin")
    admin.goto(url)
    # The day the incident was reported: a disclosure cannot predate it.
    admin.get_by_label("Data protection officer notified on").fill(timezone.localdate().isoformat())
    admin.get_by_role("button", name="Save report").click()
    check = admin.locator(".check-result", has_text=data_loss_check)
    expect(check).to_contain_text("Passing")
    history = admin.locator(".history > li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("ada-admin")
    expect(history.nth(0)).to_contain_text("Data protection officer notified on")
    expect(history.nth(1)).to_contain_text("sam-staff")
    expect(history.nth(1)).to_contain_text("Not assessed")
    # The check's own history shows both changes.
    admin.goto(f"{live_server.url}/checks/incident-data-loss/")
    rows = admin.locator("#status-history-heading ~ .table-wrap tbody tr")
    expect(rows.nth(0)).to_contain_text("Passing")
    expect(rows.nth(1)).to_contain_text("Failing")
