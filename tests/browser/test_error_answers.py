"""An HTMX form whose answer is an error page (here: a body over the 2.5 MB Django reads) shows
the page's message above the form, which keeps what was typed; htmx's default ignored it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_a_report_too_large_to_send_says_so_and_keeps_the_text(
    page, live_server, transactional_db, django_user_model
) -> None:  # type: ignore[no-untyped-def]
    from accounts.roles import Role
    from incidents.models import DataLossReport
    from tests.conftest import make_connection, make_incident, make_user

    make_user(django_user_model, "sam-staff", Role.STAFF)
    incident = make_incident(make_connection(), 1, title="Bucket exposed")
    log_in(page, live_server, "sam-staff")
    page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    notes = page.get_by_label("Reference notes")
    # Three megabytes pasted at once (typing them would take the test minutes).
    notes.evaluate("(area) => { area.value = 'x'.repeat(3 * 1024 * 1024); }")
    page.get_by_role("button", name="Save report").click()
    error = page.locator("#request-error")
    expect(error).to_contain_text("The form was larger than 2.5 MB")
    expect(error.get_by_role("heading")).to_have_text("The form was too large")
    assert notes.evaluate("(area) => area.value.length") == 3 * 1024 * 1024
    assert page.title() == f"Incident #{incident.number} · EvidenceHub"  # still its page
    assert not DataLossReport.objects.exists()
