from __future__ import annotations

import pytest
import responses
from django.db import connection as db
from django.test import Client

from integrations.models import Connection, ConnectionStatus

US = "https://api.opsgenie.com/v1/incidents"
EU = "https://api.eu.opsgenie.com/v1/incidents"
KEY = "6c1f0b2a-93d4-4e8b-a1f7-0d2c9e5b7a41"
DETAILS = "/settings/integrations/opsgenie/connect/details/"
OK_BODY = {"data": [], "totalCount": 0, "took": 0.01, "requestId": "r"}
UNAUTHORIZED = {"message": "Could not authenticate", "took": 0.0, "requestId": "r"}

pytestmark = pytest.mark.django_db


def _connect(client: Client, key: str = KEY, region: str = "us", **headers: str):  # type: ignore[no-untyped-def]
    return client.post(DETAILS, {"api_key": key, "region": region}, **headers)


def test_step_one_reviews_permissions_and_goes_on_to_step_two(admin_client: Client) -> None:
    page = admin_client.get("/settings/integrations/opsgenie/connect/").content.decode()
    assert "Review permissions" in page
    assert "Incidents</th>\n            <td>An API key with Read access" in page
    assert "Settings → API key management" in page
    assert ">Next</button>" in page
    answer = admin_client.post("/settings/integrations/opsgenie/connect/", {"on": ["alerts"]})
    assert answer.status_code == 302 and answer["Location"] == DETAILS
    assert "5 April 2027" in page


def test_step_two_asks_for_key_and_region(admin_client: Client) -> None:
    page = admin_client.get(DETAILS).content.decode()
    assert '<label for="id_api_key">API key</label>' in page
    assert "US (default)</label>" in page and " EU</label>" in page
    assert 'value="us" id="id_region_0" required checked' in page
    assert ">Connect</button>" in page


@responses.activate
def test_a_valid_key_connects_and_shows_connected(admin_client: Client, admin_user) -> None:  # type: ignore[no-untyped-def]
    responses.get(US, json=OK_BODY)
    response = _connect(admin_client, key=f"  \n{KEY} \n")
    assert response.status_code == 302
    assert response["Location"] == "/settings/integrations/opsgenie/"
    connection = Connection.objects.get(provider="opsgenie")
    assert connection.status == ConnectionStatus.CONNECTED
    assert connection.get_credentials() == {"api_key": KEY}  # trimmed
    assert connection.connected_by == admin_user
    assert responses.calls[0].request.headers["Authorization"] == f"GenieKey {KEY}"
    page = admin_client.get(response["Location"]).content.decode()
    assert "Connected" in page and "…7a41" in page
    assert KEY not in page


@responses.activate
def test_htmx_connect_redirects_the_browser_on_success(admin_client: Client) -> None:
    responses.get(US, json=OK_BODY)
    response = _connect(admin_client, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == "/settings/integrations/opsgenie/"


@responses.activate
def test_the_key_is_encrypted_in_the_database(admin_client: Client) -> None:
    responses.get(US, json=OK_BODY)
    _connect(admin_client)
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials FROM integrations_connection")
        (raw,) = cursor.fetchone()
    assert KEY not in raw and KEY[-12:] not in raw
    assert raw.startswith("gAAAA")  # a Fernet token


@responses.activate
def test_a_wrong_region_key_is_not_saved_and_the_region_is_named(admin_client: Client) -> None:
    responses.get(US, status=401, json=UNAUTHORIZED)
    responses.get(EU, json=OK_BODY)
    response = _connect(admin_client, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "This key belongs to the EU region — select EU" in page
    assert 'id="wizard"' in page and "<html" not in page  # only the wizard fragment
    assert KEY not in page  # the key is never rendered back, even on error
    assert not Connection.objects.exists()


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "text"),
    [
        (401, UNAUTHORIZED, "Invalid API key"),
        (403, {"code": 40301, "message": "nope", "took": 0, "requestId": "r"}, "Insufficient"),
        (402, {"message": "plan", "took": 0, "requestId": "r"}, "no Incident API"),
        (503, {"message": "down", "took": 0, "requestId": "r"}, "OpsGenie is not answering"),
    ],
)
def test_a_failed_validation_saves_nothing(
    admin_client: Client, status: int, body: dict, text: str
) -> None:
    responses.get(US, status=status, json=body)
    responses.get(EU, status=401, json=UNAUTHORIZED)
    page = _connect(admin_client).content.decode()
    assert text in page
    assert "Not connected." in page
    assert not Connection.objects.exists()


@responses.activate
def test_upstream_messages_are_escaped(admin_client: Client) -> None:
    responses.get(
        US, status=418, json={"message": "<script>alert(1)</script>", "took": 0, "requestId": "r"}
    )
    page = _connect(admin_client).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_empty_key_is_refused_without_calling_opsgenie(admin_client: Client) -> None:
    with responses.RequestsMock() as mocked:
        page = _connect(admin_client, key="   ").content.decode()
        assert len(mocked.calls) == 0
    assert "This field is required." in page
    assert not Connection.objects.exists()


@pytest.fixture
def connected(admin_client: Client) -> Connection:
    with responses.RequestsMock() as mocked:
        mocked.get(US, json=OK_BODY)
        _connect(admin_client)
    return Connection.objects.get()


@responses.activate
def test_edit_replaces_key_and_region_after_validation(admin_client: Client, connected) -> None:  # type: ignore[no-untyped-def]
    new_key = "ffffffff-1111-2222-3333-444444449999"
    responses.get(EU, json=OK_BODY)
    response = admin_client.post(
        "/settings/integrations/opsgenie/edit/", {"api_key": new_key, "region": "eu"}
    )
    assert response.status_code == 302
    connected.refresh_from_db()
    assert connected.region == "eu" and connected.get_credentials()["api_key"] == new_key
    assert connected.credential_hint == "9999"


@responses.activate
def test_a_failed_edit_leaves_the_connection_unchanged(admin_client: Client, connected) -> None:  # type: ignore[no-untyped-def]
    responses.get(EU, status=401, json=UNAUTHORIZED)
    responses.get(US, status=401, json=UNAUTHORIZED)
    page = admin_client.post(
        "/settings/integrations/opsgenie/edit/", {"api_key": "bad-key-123456", "region": "eu"}
    ).content.decode()
    assert "Invalid API key" in page and "the existing connection is unchanged" in page
    connected.refresh_from_db()
    assert (connected.region, connected.get_credentials()["api_key"]) == ("us", KEY)


def test_disconnect_keeps_the_row_and_stops_the_connection(admin_client: Client, connected) -> None:  # type: ignore[no-untyped-def]
    assert (
        "Disconnect OpsGenie?"
        in admin_client.get("/settings/integrations/opsgenie/disconnect/").content.decode()
    )
    admin_client.post("/settings/integrations/opsgenie/disconnect/")
    connected.refresh_from_db()
    assert connected.status == ConnectionStatus.DISCONNECTED
    page = admin_client.get("/settings/integrations/opsgenie/").content.decode()
    assert "Disconnected" in page and "Reconnect" in page
    # Who stopped it and when, not "Connected by"; the key's ending is no longer shown.
    assert "<dt>Disconnected by</dt><dd>alice-admin</dd>" in page
    assert connected.disconnected_at is not None
    assert "<dt>Connected by</dt>" not in page and "…7a41" not in page


def test_connecting_again_clears_who_disconnected(
    admin_client: Client, connected, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from integrations.services import connection_save_validated

    monkeypatch.setattr("integrations.tasks.sync_enqueue", lambda **kwargs: "task")
    monkeypatch.setattr("integrations.tasks.sync_schedule_update", lambda **kwargs: None)
    admin_client.post("/settings/integrations/opsgenie/disconnect/")
    again = connection_save_validated(
        provider="opsgenie", region="us", credentials={"api_key": KEY}, hint="7a41", user=None
    )
    assert again.pk == connected.pk
    assert (again.disconnected_by, again.disconnected_at) == (None, None)


def test_auditors_see_the_connection_read_only(auditor_client: Client, connected) -> None:  # type: ignore[no-untyped-def]
    page = auditor_client.get("/settings/integrations/opsgenie/").content.decode()
    assert "Connected" in page and "…7a41" in page
    assert "Read-only" in page
    assert "/edit/" not in page and "/disconnect/" not in page
    assert auditor_client.post("/settings/integrations/opsgenie/disconnect/").status_code == 403
    assert auditor_client.post(DETAILS, {"api_key": "x" * 20, "region": "us"}).status_code == 403
    connected.refresh_from_db()
    assert connected.status == ConnectionStatus.CONNECTED


def test_staff_do_not_see_integrations(staff_client: Client) -> None:
    home = staff_client.get("/").content.decode()
    assert "/settings/integrations/" not in home
    assert staff_client.get("/settings/integrations/").status_code == 403


def test_an_error_connection_shows_the_action_to_take(admin_client: Client, connected) -> None:  # type: ignore[no-untyped-def]
    from integrations.connections import connection_record_error
    from integrations.models import ErrorAction

    connection_record_error(
        connection=connected, message="OpsGenie rejected the key.", action=ErrorAction.REENTER_KEY
    )
    page = admin_client.get("/settings/integrations/opsgenie/").content.decode()
    assert "Error" in page and "OpsGenie rejected the key." in page
    assert "Re-enter the API key" in page
