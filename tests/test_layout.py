"""Layout fixes a new user stumbled on, held in place without a browser (tests/browser measures
the same pages in Chromium when it is installed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from incidents.models import DataLossReport, IncidentChange
from integrations.models import Connection, ProviderService, SyncRun
from tests.conftest import make_connection, make_incident

pytestmark = pytest.mark.django_db

CSS = (Path(__file__).resolve().parent.parent / "static" / "css" / "app.css").read_text()
# Inputs that draw themselves (boxes, radios) or are not drawn at all.
UNSTYLED_BY_DESIGN = {"hidden", "checkbox", "radio", "submit", "button", "file"}


def _styled_input_types() -> set[str]:
    """The input types of the stylesheet's rule that draws text-like inputs."""
    rule = re.search(r"((?:input[^{]*?,\s*)+[^{]*)\{\s*width: 100%; max-width: 32rem;", CSS)
    assert rule, "the text-input rule of app.css"
    selectors = rule.group(1)
    types = set(re.findall(r"input\[type=(\w+(?:-\w+)?)\]", selectors))
    if "input:not([type])" in selectors:
        types.add("")
    return types


def _input_types(page: str) -> set[str]:
    types = set()
    for tag in re.findall(r"<input\b[^>]*>", page):
        found = re.search(r'\btype="([^"]*)"', tag)
        types.add(found.group(1) if found else "")
    return types - UNSTYLED_BY_DESIGN


def _pagerduty_waiting_for_services() -> Connection:
    connection = make_connection(provider="pagerduty")
    connection.services_confirmed_at = None
    connection.save()
    return connection


def test_every_text_like_input_of_the_forms_is_styled(admin_client: Client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The SLA hours (number) and the report address (email) were browser-default boxes."""
    monkeypatch.setattr(
        "integrations.providers.pagerduty.service_selection.refresh_services",
        lambda c: list(c.services.all()),
    )
    connection = _pagerduty_waiting_for_services()
    ProviderService.objects.create(
        connection=connection, upstream_id="P1", name="Checkout", synced_at=timezone.now()
    )
    incident = make_incident(connection, 1)
    pages = {
        "/settings/incidents/": {"number"},
        "/settings/integrations/pagerduty/services/": {"email"},
        f"/incidents/{incident.pk}/": {"number", "date"},
        "/settings/integrations/opsgenie/connect/details/": {"password"},
    }
    styled = _styled_input_types()
    for url, expected in pages.items():
        response = admin_client.get(url)
        assert response.status_code == 200, url
        types = _input_types(response.content.decode())
        assert expected <= types, (url, types)
        assert types <= styled, f"{url}: {types - styled} inputs have no style"
    login = Client().get("/login/").content.decode()
    assert _input_types(login) <= styled


def test_a_connection_waiting_for_its_services_is_not_marked_done(admin_client: Client) -> None:
    _pagerduty_waiting_for_services()
    catalog = admin_client.get("/settings/integrations/").content.decode()
    badge = re.search(r'<span class="status status-(\w+)">Connected: choose services', catalog)
    assert badge and badge.group(1) == "attention"
    dashboard = admin_client.get("/").content.decode()
    assert '<span class="status status-attention">Connected: choose services' in dashboard
    # The attention style draws a warning mark, not Connected's check mark.
    assert '.status-attention::before { content: "! "' in CSS


def test_a_catalog_badge_wraps_inside_its_card() -> None:
    header = re.search(r"\.integration header \{([^}]*)\}", CSS).group(1)  # type: ignore[union-attr]
    assert "flex-wrap: wrap" in header
    badge = re.search(r"\.integration header \.status \{([^}]*)\}", CSS).group(1)  # type: ignore[union-attr]
    assert "white-space: normal" in badge


def test_the_sync_history_shows_the_outcome_before_the_numbers(admin_client: Client) -> None:
    connection = make_connection()
    now = timezone.now()
    SyncRun.objects.create(
        connection=connection,
        trigger="manual",
        kind="full",
        outcome="failed",
        started_at=now,
        finished_at=now,
        heartbeat_at=now,
        error="OpsGenie answered 500",
    )
    page = admin_client.get("/settings/integrations/opsgenie/").content.decode()
    history = page[page.index('id="sync-history"') :]
    headers = re.findall(r'<th scope="col">([^<]+)</th>', history)
    assert headers[:2] == ["Started", "Outcome"]
    row = re.search(r"<tbody>.*?</tr>", history, re.S).group(0)  # type: ignore[union-attr]
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert "Failed" in cells[1] and "OpsGenie answered 500" in cells[1]


def test_the_incident_page_wraps_long_words_and_tables(staff_client: Client, connection) -> None:  # type: ignore[no-untyped-def]
    word = "x" * 300
    incident = make_incident(connection, 1, title=word, services=[word], description=word)
    IncidentChange.objects.create(
        incident=incident, at=timezone.now(), field="title", before="short", after=word
    )
    DataLossReport.objects.create(incident=incident, data_lost="yes", what_happened=word)
    page = staff_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert f'<div class="upstream-text">{word}</div>' in page
    # Every table (the changes, the report's history) scrolls inside its own box rather than
    # widening the page.
    assert page.count("<table") == 2
    assert page.count("<table") == page.count('<div class="table-wrap"><table')
    for rule in (r"h1 \{[^}]*overflow-wrap: anywhere", r"\.tag \{[^}]*overflow-wrap: anywhere"):
        assert re.search(rule, CSS), rule
    assert re.search(r"\.facts dd \{[^}]*overflow-wrap: anywhere", CSS)
    assert re.search(r"table\.changes td \{[^}]*overflow-wrap: anywhere", CSS)
