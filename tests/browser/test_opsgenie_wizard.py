from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _open_wizard(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    page.get_by_label("Search integrations").fill("opsg")
    card = page.locator('[data-provider="opsgenie"]')
    expect(card).to_contain_text("Not connected")
    card.get_by_role("link", name="Connect").click()
    expect(page.get_by_role("heading", name="Review permissions")).to_be_visible()
    expect(page.get_by_text("An API key with Read access", exact=False).first).to_be_visible()
    page.get_by_role("button", name="Next").click()
    # HTMX swapped the step in place and the URL is bookmarkable.
    expect(page).to_have_url(re.compile(r"/opsgenie/connect/details/$"))


def _enter(page, key: str, region: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label("API key").fill(f"  {key}\n")
    page.get_by_label(region, exact=True).check()
    page.get_by_role("button", name="Connect", exact=True).click()


def test_an_admin_connects_opsgenie(logged_in_admin, live_server, opsgenie_sandbox) -> None:  # type: ignore[no-untyped-def]
    page = logged_in_admin
    _open_wizard(page, live_server)
    _enter(page, opsgenie_sandbox.keys.opsgenie_us, "US (default)")
    expect(page).to_have_url(live_server.url + "/settings/integrations/opsgenie/")
    expect(page.get_by_role("heading", name="Status: Connected")).to_be_visible()
    expect(page.get_by_text("…" + opsgenie_sandbox.keys.opsgenie_us[-4:])).to_be_visible()
    assert opsgenie_sandbox.keys.opsgenie_us not in page.content()


def test_a_key_of_the_other_region_is_named(logged_in_admin, live_server, opsgenie_sandbox) -> None:  # type: ignore[no-untyped-def]
    page = logged_in_admin
    _open_wizard(page, live_server)
    _enter(page, opsgenie_sandbox.keys.opsgenie_eu, "US (default)")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("This key belongs to the EU region — select EU")
    # The step bar and the card both name the step to fix.
    expect(page.locator(".steps li.current")).to_contain_text("Connection details")
    expect(page.locator(".steps li.failed")).to_have_count(1)
    # One click connects in the region that accepted the key, without typing it again.
    page.get_by_role("button", name="Connect to EU instead").click()
    expect(page.get_by_role("heading", name="Status: Connected")).to_be_visible()
    assert opsgenie_sandbox.keys.opsgenie_eu not in page.content()


def test_following_the_region_advice_by_hand_works(  # type: ignore[no-untyped-def]
    logged_in_admin, live_server, opsgenie_sandbox
) -> None:
    page = logged_in_admin
    _open_wizard(page, live_server)
    _enter(page, opsgenie_sandbox.keys.opsgenie_eu, "US (default)")
    expect(page.get_by_role("alert")).to_contain_text("select EU")
    _enter(page, opsgenie_sandbox.keys.opsgenie_eu, "EU")
    expect(page.get_by_role("heading", name="Status: Connected")).to_be_visible()


def test_an_invalid_key_is_refused(logged_in_admin, live_server, opsgenie_sandbox) -> None:  # type: ignore[no-untyped-def]
    page = logged_in_admin
    _open_wizard(page, live_server)
    _enter(page, "not-a-real-key-0000", "US (default)")
    expect(page.get_by_role("alert")).to_contain_text("Invalid API key")
    expect(page.get_by_label("API key")).to_have_value("")
