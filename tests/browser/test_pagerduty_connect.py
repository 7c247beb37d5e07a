"""Connect with PagerDuty, end to end in Chromium against the sandbox's OAuth server and REST
API: consent, callback, service selection, first sync, incidents beside OpsGenie's."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def pagerduty_sandbox(sandbox, settings, monkeypatch):  # type: ignore[no-untyped-def]
    """Point PagerDuty (REST and OAuth) at the sandbox, as `make run` does; run queued tasks
    inline so the first sync happens within the test."""
    from django_q.conf import Conf

    settings.PAGERDUTY_BASE_URLS = {
        region: sandbox.pagerduty_url(region) for region in ("us", "eu")
    }
    settings.PAGERDUTY_IDENTITY_URL = sandbox.pagerduty_identity_url()
    settings.PAGERDUTY_OAUTH_CLIENT_ID = sandbox.keys.pagerduty_client_id
    settings.PAGERDUTY_OAUTH_CLIENT_SECRET = sandbox.keys.pagerduty_client_secret
    monkeypatch.setattr(Conf, "SYNC", True)
    yield sandbox
    sandbox.faults.clear()


def _open_wizard(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    page.get_by_label("Search integrations").fill("pager")
    card = page.locator('[data-provider="pagerduty"]')
    expect(card).to_contain_text("Not connected")
    card.get_by_role("link", name="Connect").click()
    expect(page.get_by_role("heading", name="Review permissions")).to_be_visible()
    expect(page.get_by_text("Incidents: read", exact=False).first).to_be_visible()


def test_an_admin_connects_with_pagerduty_and_picks_services(  # type: ignore[no-untyped-def]
    logged_in_admin, live_server, pagerduty_sandbox
) -> None:
    from incidents.models import Incident
    from integrations.models import Connection

    page = logged_in_admin
    _open_wizard(page)
    page.get_by_role("button", name="Connect with PagerDuty").click()
    # The sandbox's consent page, standing in for identity.pagerduty.com.
    expect(page).to_have_url(re.compile(r"/pagerduty/identity/oauth/authorize\?"))
    page.get_by_label(re.compile(r"\(EU\)")).check()
    page.get_by_role("button", name="Approve").click()

    expect(page).to_have_url(live_server.url + "/settings/integrations/pagerduty/services/")
    expect(page.get_by_text("PagerDuty accepted the connection")).to_be_visible()
    services = page.locator("#service-list input[type=checkbox]")
    expect(services.first).to_be_visible()
    assert services.count() == len(pagerduty_sandbox.pagerduty_stores["eu"].services())
    chosen = services.nth(0)
    chosen_id = chosen.get_attribute("value")
    chosen.check()
    expect(page.get_by_label("Only these")).to_be_checked()
    page.get_by_label("Email address staff use to report incidents (optional)").fill(
        "incidents@acme.test"
    )
    page.get_by_role("button", name="Save and start syncing").click()

    expect(page).to_have_url(live_server.url + "/settings/integrations/pagerduty/")
    expect(page.get_by_role("heading", name="Status: Connected")).to_be_visible()
    expect(page.get_by_text("Connected with PagerDuty (OAuth)")).to_be_visible()
    connection = Connection.objects.get(provider="pagerduty")
    assert (connection.region, connection.auth_method) == ("eu", "oauth")
    assert connection.service_ids == [chosen_id]
    assert connection.get_credentials()["refresh_token"] not in page.content()

    # The first sync ran: exactly the chosen service's incidents of the EU account.
    eu = pagerduty_sandbox.pagerduty_stores["eu"].incidents()
    expected = {raw["id"] for raw in eu if raw["service"]["id"] == chosen_id}
    assert expected
    stored = set(Incident.objects.filter(source="pagerduty").values_list("upstream_id", flat=True))
    assert stored == expected

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    page.get_by_label("Source").select_option("pagerduty")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("tbody tr").first).to_contain_text("PagerDuty")

    page.get_by_role("link", name="Report an incident").click()
    expect(page.get_by_role("link", name="incidents@acme.test")).to_be_visible()


def test_denying_consent_connects_nothing(  # type: ignore[no-untyped-def]
    logged_in_admin, live_server, pagerduty_sandbox
) -> None:
    from integrations.models import Connection

    page = logged_in_admin
    _open_wizard(page)
    page.get_by_role("button", name="Connect with PagerDuty").click()
    page.get_by_role("button", name="Deny").click()
    expect(page.get_by_role("alert")).to_contain_text("You declined access in PagerDuty")
    assert not Connection.objects.filter(provider="pagerduty").exists()
