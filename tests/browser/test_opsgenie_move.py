"""An admin moves the OpsGenie connection to Jira Service Management in a real browser: a stop
date out of bounds is refused on the page, today's is taken, and the page says it moved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from incidents.models import Incident
from tests.conftest import make_connection

pytestmark = pytest.mark.browser


def _incident(connection, number: str, refs=None, days: int = 3) -> Incident:  # type: ignore[no-untyped-def]
    created = timezone.now() - timedelta(days=days)
    return Incident.objects.create(
        connection=connection,
        source=connection.provider,
        upstream_id=f"{connection.provider}-{number}",
        number=number,
        title=f"Incident {number}",
        status="open",
        created_at=created,
        external_refs=refs or {},
        content_hash="x",
        changed_at=created,
    )


def test_an_admin_moves_opsgenie_to_jsm(logged_in_admin, live_server) -> None:  # type: ignore[no-untyped-def]
    page = logged_in_admin
    opsgenie = make_connection(provider="opsgenie")
    jsm = make_connection(provider="jsm", region="cloud")
    for n in ("1", "2", "3"):
        _incident(opsgenie, n)
    _incident(jsm, "OPS-1", {"opsgenie_tiny_id": "2"})
    _incident(jsm, "OPS-2", days=4)  # moved with OPS-1, before it
    assert Incident.objects.counted().count() == 5

    page.goto(live_server.url + "/settings/integrations/opsgenie/")
    section = page.locator("#move")
    expect(section.get_by_role("heading", name="Move to Jira Service Management")).to_be_visible()
    expect(section).to_contain_text("days left")
    late = "2027-04-06"
    section.get_by_label("Stop syncing on").evaluate(
        "(input, v) => { input.max = ''; input.value = v; }", late
    )
    section.get_by_role("button", name="Move").click()
    expect(page.get_by_text("cannot be after the day OpsGenie ends, 5 April 2027")).to_be_visible()

    section = page.locator("#move")
    section.get_by_label("Successor").select_option(str(jsm.pk))
    section.get_by_role("button", name="Move").click()  # the stop date starts at today
    expect(page.locator("#move")).to_contain_text("Moved to Jira Service Management on")
    expect(page.locator("#move")).to_contain_text("kept as evidence")
    assert Incident.objects.counted().count() == 4  # #2 is OPS-1: counted once

    page.get_by_role("link", name="Incidents of the move").click()
    expect(page.get_by_role("cell", name="OPS-2", exact=True)).to_be_visible()
    page.get_by_label("OpsGenie number for OPS-2").fill("3")
    page.get_by_role("button", name="Match").click()
    expect(page.get_by_text("OpsGenie #3 is Jira Service Management OPS-2")).to_be_visible()
    assert Incident.objects.counted().count() == 3
