"""A key of the other region: the wizard offers "Connect to <region> instead" in one click.

The key is held encrypted in the admin's (database) session for 10 minutes, never rendered."""

from __future__ import annotations

import json
import re

import pytest
import responses
from django.contrib.sessions.models import Session
from django.test import Client

from integrations import held_keys
from integrations.models import Connection, ConnectionStatus
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db

OG_US = "https://api.opsgenie.com/v1/incidents"
OG_EU = "https://api.eu.opsgenie.com/v1/incidents"
OG_KEY = "6c1f0b2a-93d4-4e8b-a1f7-0d2c9e5b7a41"
OG_DETAILS = "/settings/integrations/opsgenie/connect/details/"
OG_EDIT = "/settings/integrations/opsgenie/edit/"
OG_OTHER = "/settings/integrations/opsgenie/connect/other-region/"
OG_OK = {"data": [], "totalCount": 0, "took": 0.01, "requestId": "r"}
OG_401 = {"message": "Could not authenticate", "took": 0.0, "requestId": "r"}

PD_US = "https://api.pagerduty.com/incidents"
PD_EU = "https://api.eu.pagerduty.com/incidents"
PD_KEY = "y_NbAkKc66ryYTWUXYEu"
PD_KEY_URL = "/settings/integrations/pagerduty/connect/key/"
PD_OTHER = "/settings/integrations/pagerduty/connect/key/other-region/"
PD_OK = {"incidents": [], "limit": 1, "offset": 0, "more": False, "total": None}
PD_401 = {"error": {"message": "Authentication failed", "code": 2006}}


@pytest.fixture(autouse=True)
def _no_tasks(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("integrations.tasks.sync_enqueue", lambda **kwargs: "task")
    monkeypatch.setattr("integrations.tasks.sync_schedule_update", lambda **kwargs: None)


def _wrong_region(client: Client, **headers: str):  # type: ignore[no-untyped-def]
    """Post an OpsGenie key that US refuses and EU accepts; the page."""
    responses.get(OG_US, status=401, json=OG_401)
    responses.get(OG_EU, json=OG_OK)
    return client.post(OG_DETAILS, {"api_key": OG_KEY, "region": "us"}, **headers)


def _form_of(page: str, action: str) -> str:
    match = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page, re.S)
    assert match, f"no form posting to {action}"
    return match.group(0)


@responses.activate
def test_a_key_of_the_other_region_offers_to_connect_there(admin_client: Client) -> None:
    page = _wrong_region(admin_client, HTTP_HX_REQUEST="true").content.decode()
    assert "This key belongs to the EU region — select EU" in page
    button = _form_of(page, OG_OTHER)
    assert "Connect to EU instead</button>" in button
    assert 'name="csrfmiddlewaretoken"' in button
    # The key is neither in the page nor in the button's form: only the region travels.
    assert OG_KEY not in page and OG_KEY[-12:] not in page
    assert '<input type="hidden" name="region" value="eu">' in button


@responses.activate
def test_the_held_key_is_encrypted_in_the_session(admin_client: Client) -> None:
    _wrong_region(admin_client)
    (session,) = Session.objects.all()
    decoded = session.get_decoded()
    # Not in clear anywhere in the session (which the database stores merely signed).
    assert OG_KEY not in json.dumps(decoded) and OG_KEY[-12:] not in json.dumps(decoded)
    token = decoded[held_keys.SESSION_KEY]["opsgenie"]
    assert token.startswith("gAAAA") and OG_KEY not in token  # a Fernet token


@responses.activate
def test_one_click_connects_in_the_other_region(admin_client: Client) -> None:
    _wrong_region(admin_client)
    responses.get(OG_EU, json=OG_OK)
    response = admin_client.post(OG_OTHER, {"mode": "connect", "region": "eu"})
    assert response.status_code == 302
    assert response["Location"] == "/settings/integrations/opsgenie/"
    connection = Connection.objects.get(provider="opsgenie")
    assert connection.status == ConnectionStatus.CONNECTED
    assert (connection.region, connection.get_credentials()) == ("eu", {"api_key": OG_KEY})
    last = responses.calls[-1].request
    assert last.url.startswith(OG_EU) and last.headers["Authorization"] == f"GenieKey {OG_KEY}"
    # Used once: the session no longer holds it.
    assert not Session.objects.get().get_decoded()[held_keys.SESSION_KEY]


@responses.activate
def test_one_click_with_htmx_redirects_the_browser(admin_client: Client) -> None:
    _wrong_region(admin_client, HTTP_HX_REQUEST="true")
    response = admin_client.post(OG_OTHER, {"region": "eu"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == "/settings/integrations/opsgenie/"
    assert Connection.objects.get().region == "eu"


@responses.activate
def test_after_ten_minutes_the_key_must_be_typed_again(admin_client: Client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _wrong_region(admin_client)
    calls = len(responses.calls)
    later = held_keys._now() + held_keys.HOLD_SECONDS + 1
    monkeypatch.setattr(held_keys, "_now", lambda: later)
    page = admin_client.post(OG_OTHER, {"mode": "connect", "region": "eu"}).content.decode()
    assert "kept for 10 minutes only" in page and "enter the key again" in page
    assert len(responses.calls) == calls  # nothing was sent to OpsGenie
    assert not Connection.objects.exists()
    # The form is back, with the region it offered already chosen.
    assert 'value="eu" id="id_region_1" required checked' in page
    assert "Connect to EU instead" not in page


@responses.activate
def test_the_button_works_once(admin_client: Client) -> None:
    _wrong_region(admin_client)
    admin_client.post(OG_OTHER, {"region": "eu"})
    Connection.objects.all().delete()
    page = admin_client.post(OG_OTHER, {"region": "eu"}).content.decode()
    assert "enter the key again" in page
    assert not Connection.objects.exists()


@responses.activate
def test_another_refusal_forgets_the_held_key(admin_client: Client) -> None:
    _wrong_region(admin_client)
    responses.replace(responses.GET, OG_US, status=403, json={"message": "no", "took": 0})
    admin_client.post(OG_DETAILS, {"api_key": "another-key-1234", "region": "us"})
    assert not Session.objects.get().get_decoded()[held_keys.SESSION_KEY]
    page = admin_client.post(OG_OTHER, {"region": "eu"}).content.decode()
    assert "enter the key again" in page and not Connection.objects.exists()


@responses.activate
def test_the_button_needs_the_csrf_token(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(OG_OTHER, {"region": "eu"}).status_code == 403
    assert not Connection.objects.exists()


def test_only_admins_may_press_it(auditor_client: Client, staff_client: Client) -> None:
    assert auditor_client.post(OG_OTHER, {"region": "eu"}).status_code == 403
    assert staff_client.post(PD_OTHER, {"region": "eu"}).status_code == 403


def test_a_get_connects_nothing(admin_client: Client) -> None:
    assert admin_client.get(OG_OTHER).status_code == 405


def test_a_key_held_for_one_provider_is_not_used_by_another() -> None:
    session: dict = {}
    held_keys.hold_key(session, provider="opsgenie", api_key=OG_KEY, region="eu")
    assert held_keys.take_held_key(session, provider="pagerduty") is None
    held = held_keys.take_held_key(session, provider="opsgenie")
    assert held == held_keys.HeldKey(api_key=OG_KEY, region="eu")


@responses.activate
def test_the_step_bar_and_the_card_name_the_same_step_after_a_refusal(admin_client: Client) -> None:
    page = _wrong_region(admin_client).content.decode()
    steps = re.search(r'<ol class="steps".*?</ol>', page, re.S).group(0)  # type: ignore[union-attr]
    current = re.findall(r'<li class="current failed" aria-current="step">([^<]+)', steps)
    assert current == ["Connection details"]
    assert '<h2 id="details-heading">Connection details</h2>' in page
    assert "<li>Validate</li>" in steps  # not marked: the details are what to fix


@responses.activate
def test_edit_says_not_saved_and_its_button_saves(admin_client: Client) -> None:
    make_connection(api_key=OG_KEY)
    form_page = admin_client.get(OG_EDIT).content.decode()
    assert ">Save</button>" in form_page and ">Connect</button>" not in form_page
    responses.get(OG_US, status=401, json=OG_401)
    responses.get(OG_EU, json=OG_OK)
    page = admin_client.post(OG_EDIT, {"api_key": OG_KEY, "region": "us"}).content.decode()
    assert "<strong>Not saved.</strong>" in page and "Not connected." not in page
    assert "the existing connection is unchanged" in page
    button = _form_of(page, OG_OTHER)
    assert "Save with the EU region instead</button>" in button
    assert '<input type="hidden" name="mode" value="edit">' in button
    response = admin_client.post(OG_OTHER, {"mode": "edit", "region": "eu"})
    assert response.status_code == 302
    assert Connection.objects.get().region == "eu"


@responses.activate
def test_pagerduty_offers_the_other_region_too(admin_client: Client) -> None:
    responses.get(PD_US, status=401, json=PD_401)
    responses.get(PD_EU, json=PD_OK)
    page = admin_client.post(PD_KEY_URL, {"api_key": PD_KEY, "region": "us"}).content.decode()
    assert "This key belongs to the EU region — select EU." in page
    assert "Connect to EU instead</button>" in _form_of(page, PD_OTHER)
    assert PD_KEY not in page
    response = admin_client.post(PD_OTHER, {"region": "eu"})
    # PagerDuty asks for the services next, as after any key connect.
    assert response["Location"] == "/settings/integrations/pagerduty/services/"
    connection = Connection.objects.get(provider="pagerduty")
    assert (connection.region, connection.get_credentials()) == ("eu", {"api_key": PD_KEY})
    assert responses.calls[-1].request.headers["Authorization"] == f"Token token={PD_KEY}"


def test_pagerduty_after_ten_minutes_asks_for_the_key(admin_client: Client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    session = admin_client.session
    held_keys.hold_key(session, provider="pagerduty", api_key=PD_KEY, region="eu")
    session.save()
    later = held_keys._now() + held_keys.HOLD_SECONDS + 1
    monkeypatch.setattr(held_keys, "_now", lambda: later)
    with responses.RequestsMock() as mocked:
        page = admin_client.post(PD_OTHER, {"region": "eu"}).content.decode()
        assert len(mocked.calls) == 0
    assert "enter the key again" in page
    assert not Connection.objects.exists()
