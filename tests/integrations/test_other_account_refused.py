"""A connection that has synced keeps its account: the edit form (and a reconnect) refuses
another Jira site or another OpsGenie region, saying so, and changes nothing. Upstream answers
stubbed (``responses``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from django.forms.models import model_to_dict
from django.test import Client
from django.utils import timezone

from integrations.models import Connection, ConnectionStatus, SyncRun
from integrations.services import connection_disconnect
from tests.conftest import make_incident

pytestmark = pytest.mark.django_db

CLOUD_A = "0b5e1f0e-7c55-4c6b-9a51-3f6d2b8e1c7a"
CLOUD_B = "9d8c7b6a-1111-4c6b-9a51-3f6d2b8e1c7a"
TOKEN = "ATATT3xFfGF0Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA=AB12CD34"
EMAIL = "dana@example.com"
JQL = 'issuetype = "[System] Incident"'
JSM_CONNECT = "/settings/integrations/jsm/connect/details/"
JSM_EDIT = "/settings/integrations/jsm/edit/"
OG_EDIT = "/settings/integrations/opsgenie/edit/"
OG_KEY = "6c1f0b2a-93d4-4e8b-a1f7-0d2c9e5b7a41"


def _site(name: str, cloud_id: str, mock=responses) -> None:  # type: ignore[no-untyped-def]
    """Atlassian's answers for a site that accepts everything."""
    site = f"https://{name}.atlassian.net"
    mock.get(f"{site}/_edge/tenant_info", json={"cloudId": cloud_id})
    mock.get(f"{site}/rest/api/3/myself", json={"accountId": "712020:abc", "emailAddress": EMAIL})
    mock.get(
        f"https://api.atlassian.com/jsm/ops/api/{cloud_id}/v1/alerts",
        json={"values": [], "links": {}},
    )
    mock.get(f"{site}/rest/api/3/search/jql", json={"issues": [], "isLast": True})


def _form(site: str) -> dict[str, str]:
    return {"site": site, "email": EMAIL, "api_token": TOKEN, "jql": JQL}


def _synced(connection: Connection) -> None:
    """A sync has run: the connection holds that account's records."""
    now = timezone.now()
    SyncRun.objects.create(
        connection=connection,
        trigger="manual",
        kind="full",
        outcome="succeeded",
        started_at=now - timedelta(minutes=1),
        finished_at=now,
        heartbeat_at=now,
    )
    make_incident(connection, 1, created_at=now - timedelta(days=1))


def _stored(connection: Connection) -> dict[str, object]:
    connection.refresh_from_db()
    return {**model_to_dict(connection), "updated_at": connection.updated_at}


@pytest.fixture
def jsm_synced(admin_client: Client) -> Connection:
    with responses.RequestsMock() as stubbed:
        _site("acme", CLOUD_A, stubbed)
        assert admin_client.post(JSM_CONNECT, _form("acme")).status_code == 302
    connection = Connection.objects.get(provider="jsm")
    assert connection.account_id == CLOUD_A
    _synced(connection)
    return connection


@responses.activate
def test_editing_a_jsm_connection_to_another_site_is_refused_and_changes_nothing(
    admin_client: Client, jsm_synced: Connection
) -> None:
    before = _stored(jsm_synced)
    _site("globex", CLOUD_B)
    page = admin_client.post(JSM_EDIT, _form("globex"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Not saved." in text
    assert (
        "globex.atlassian.net is another site than acme.atlassian.net, which this connection "
        "has synced" in text
    )
    assert "Nothing was changed" in text
    assert _stored(jsm_synced) == before
    assert jsm_synced.get_credentials()["site"] == "acme"
    assert Connection.objects.count() == 1
    assert jsm_synced.incidents.count() == 1


@responses.activate
def test_a_renamed_site_keeps_its_cloud_id_and_is_accepted(
    admin_client: Client, jsm_synced: Connection
) -> None:
    _site("acme-corp", CLOUD_A)
    assert admin_client.post(JSM_EDIT, _form("acme-corp")).status_code == 302
    jsm_synced.refresh_from_db()
    assert jsm_synced.account_name == "acme-corp"
    assert jsm_synced.get_credentials()["site"] == "acme-corp"
    assert jsm_synced.account_id == CLOUD_A


@responses.activate
def test_reconnecting_a_disconnected_jsm_connection_to_another_site_is_refused(
    admin_client: Client, jsm_synced: Connection
) -> None:
    connection_disconnect(connection=jsm_synced)
    before = _stored(jsm_synced)
    _site("globex", CLOUD_B)
    text = admin_client.post(JSM_CONNECT, _form("globex")).content.decode()
    assert "is another site than acme.atlassian.net" in text
    assert _stored(jsm_synced) == before
    assert jsm_synced.status == ConnectionStatus.DISCONNECTED


@responses.activate
def test_before_any_sync_another_site_may_replace_the_first(admin_client: Client) -> None:
    _site("acme", CLOUD_A)
    _site("globex", CLOUD_B)
    assert admin_client.post(JSM_CONNECT, _form("acme")).status_code == 302
    assert admin_client.post(JSM_EDIT, _form("globex")).status_code == 302
    assert Connection.objects.get(provider="jsm").account_id == CLOUD_B


@responses.activate
def test_an_opsgenie_key_of_another_region_is_refused_once_synced(admin_client: Client) -> None:
    from tests.conftest import make_connection

    connection = make_connection(provider="opsgenie", region="us", api_key=OG_KEY)
    _synced(connection)
    before = _stored(connection)
    # No upstream answer is stubbed: the refusal asks OpsGenie nothing.
    page = admin_client.post(OG_EDIT, {"api_key": OG_KEY.replace("6", "7"), "region": "eu"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "This connection reads OpsGenie&#x27;s US account" in text
    assert "a key of another region is another account" in text
    assert _stored(connection) == before
    assert len(responses.calls) == 0
    # A new key of the same region is taken (OpsGenie names no account to tell them apart).
    responses.get("https://api.opsgenie.com/v1/incidents", json={"data": [], "totalCount": 0})
    new_key = OG_KEY.replace("6", "8")
    assert admin_client.post(OG_EDIT, {"api_key": new_key, "region": "us"}).status_code == 302
    connection.refresh_from_db()
    assert connection.get_credentials() == {"api_key": new_key}
