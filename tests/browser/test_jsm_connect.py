"""An admin connects Jira Service Management in a real browser, against the emulated site: a
refusal names the missing Operations role on the details step, then the right account connects."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def jsm_sandbox(sandbox, settings):  # type: ignore[no-untyped-def]
    settings.JSM_SITE_URL = sandbox.jsm_site_url()
    settings.JSM_BASE_URLS = {"cloud": sandbox.jsm_ops_url()}
    yield sandbox
    sandbox.faults.clear()


def _fill(page, keys, *, email: str, token: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("Site name").fill(keys.jsm_site + ".atlassian.net")
    page.get_by_label("Atlassian account email").fill(email)
    page.get_by_label("API token").fill(f"  {token}\n")
    page.get_by_role("button", name="Connect", exact=True).click()


def test_an_admin_connects_jsm(logged_in_admin, live_server, jsm_sandbox) -> None:  # type: ignore[no-untyped-def]
    page, keys = logged_in_admin, jsm_sandbox.keys
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    page.get_by_label("Search integrations").fill("jira")
    card = page.locator('[data-provider="jsm"]')
    expect(card).to_contain_text("Not connected")
    card.get_by_role("link", name="Connect").click()
    expect(page.get_by_role("heading", name="Review permissions")).to_be_visible()
    expect(page.get_by_text("dies with them", exact=False).first).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"/jsm/connect/details/$"))
    expect(page.get_by_label("Incident JQL")).to_have_value('issuetype = "[System] Incident"')

    _fill(page, keys, email=keys.jsm_no_role_email, token=keys.jsm_no_role_token)
    expect(page.get_by_role("alert")).to_contain_text("agent@example.com has no Operations role")
    expect(page.locator(".steps li.failed")).to_contain_text("Connection details")
    expect(page.get_by_label("API token")).to_have_value("")

    _fill(page, keys, email=keys.jsm_email, token=keys.jsm_api_token)
    expect(page).to_have_url(live_server.url + "/settings/integrations/jsm/")
    expect(page.get_by_role("heading", name="Status: Connected")).to_be_visible()
    expect(page.get_by_text("evidencehub-sandbox.atlassian.net")).to_be_visible()
    expect(page.get_by_text("…" + keys.jsm_api_token[-4:])).to_be_visible()
    assert keys.jsm_api_token not in page.content()
