from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import make_connection

pytestmark = pytest.mark.django_db
CATALOG = "/settings/integrations/"


def test_the_catalog_lists_opsgenie_as_not_connected(admin_client: Client) -> None:
    page = admin_client.get(CATALOG).content.decode()
    assert 'data-provider="opsgenie"' in page
    assert "Not connected" in page and ">Connect</a>" in page
    assert "Incident management" in page


def test_search_finds_opsgenie_and_says_when_nothing_matches(admin_client: Client) -> None:
    assert 'data-provider="opsgenie"' in admin_client.get(CATALOG, {"q": "opsg"}).content.decode()
    page = admin_client.get(CATALOG, {"q": "<zendesk>"}).content.decode()
    assert 'data-provider="opsgenie"' not in page
    assert "No integration matches “&lt;zendesk&gt;”." in page


def test_htmx_search_returns_only_the_cards(admin_client: Client) -> None:
    page = admin_client.get(CATALOG, {"q": "opsgenie"}, HTTP_HX_REQUEST="true").content.decode()
    assert page.lstrip().startswith('<div id="catalog-results"')
    assert "<html" not in page


def test_the_connected_tab_shows_only_connected_integrations(admin_client: Client) -> None:
    page = admin_client.get(CATALOG, {"tab": "connected"}).content.decode()
    assert "No integration is connected yet." in page
    make_connection()
    page = admin_client.get(CATALOG, {"tab": "connected"}).content.decode()
    assert 'data-provider="opsgenie"' in page and ">Manage</a>" in page


def test_auditors_get_no_connect_button(auditor_client: Client) -> None:
    page = auditor_client.get(CATALOG).content.decode()
    assert 'data-provider="opsgenie"' in page
    assert ">Connect</a>" not in page
