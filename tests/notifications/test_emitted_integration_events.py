"""Connections, as the notification channels hear of them: connected and disconnected (the
wizard, the connection page), in error when a sync's credentials are refused (once, on the
transition), and recovered, closing the error's alert, when it syncs again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from django.test import Client

from integrations.connections import connection_clear_error, connection_record_error
from integrations.models import Connection, ConnectionStatus, ErrorAction, SyncOutcome
from integrations.sandbox.server import SandboxServer
from lib.events import Action, EventType
from tests.conftest import incidents_only, make_connection
from tests.notifications.emitted import collected
from tests.sync.conftest import run_sync

pytestmark = pytest.mark.django_db

US = "https://api.opsgenie.com/v1/incidents"
KEY = "6c1f0b2a-93d4-4e8b-a1f7-0d2c9e5b7a41"
NEW_KEY = "0a9b8c7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d"
OK_BODY = {"data": [], "totalCount": 0, "took": 0.01, "requestId": "r"}
UNAUTHORIZED = {"message": "Could not authenticate", "took": 0.0, "requestId": "r"}
BAD_KEY = "00000000-dead-beef-0000-000000000000"


def _connect(client: Client, key: str = KEY):  # type: ignore[no-untyped-def]
    return client.post(
        "/settings/integrations/opsgenie/connect/details/", {"api_key": key, "region": "us"}
    )


@pytest.fixture
def upstream(settings) -> Iterator[SandboxServer]:  # type: ignore[no-untyped-def]
    server = SandboxServer(seed=5, incidents=30, users=5).start()
    settings.OPSGENIE_BASE_URLS = {region: server.opsgenie_url(region) for region in ("us", "eu")}
    settings.UPSTREAM_TIMEOUT_SECONDS = 2
    yield server
    server.stop()


@responses.activate
def test_connecting_in_the_wizard_tells_the_channels(admin_client) -> None:  # type: ignore[no-untyped-def]
    responses.get(US, json=OK_BODY)
    with collected() as events:
        assert _connect(admin_client).status_code == 302
    connection = Connection.objects.get(provider="opsgenie")
    event = events.one(EventType.INTEGRATION_CONNECTED)
    assert event.alias == f"connection:{connection.pk}:connected"
    assert event.message == "Integration connected: OpsGenie (US)"
    assert "connected for the first time by alice-admin" in event.description
    assert "…7a41" in event.description and KEY not in event.description
    assert event.links == (("OpsGenie connection", "/settings/integrations/opsgenie/"),)


@responses.activate
def test_a_refused_key_connects_nothing_and_tells_nobody(admin_client) -> None:  # type: ignore[no-untyped-def]
    responses.get(US, json=UNAUTHORIZED, status=401)
    with collected() as events:
        _connect(admin_client)
    assert not Connection.objects.exists()
    assert events.emitted == []


@responses.activate
def test_disconnecting_tells_the_channels_who_did_it(admin_client) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection(api_key=KEY)
    with collected() as events:
        admin_client.post("/settings/integrations/opsgenie/disconnect/")
    event = events.one(EventType.INTEGRATION_DISCONNECTED)
    assert event.alias == f"connection:{connection.pk}:disconnected"
    assert event.message == "Integration disconnected: OpsGenie"
    assert "disconnected by alice-admin" in event.description
    assert events.types == ["integration_disconnected:open"]


def test_a_sync_refused_goes_into_error_once_and_recovers_with_a_close(upstream) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection(api_key=upstream.keys.opsgenie_us)
    # The incidents alone: the optional streams' reads (an incident's notes, bounded per run)
    # find more to judge on later runs, and a check failing on them would be other news.
    incidents_only(connection)
    run_sync(connection)
    connection.set_credentials({"api_key": BAD_KEY}, hint="0000")
    connection.save(update_fields=["credentials", "credential_hint"])
    with collected() as failing:
        assert run_sync(connection).outcome == SyncOutcome.FAILED
        assert run_sync(connection).outcome == SyncOutcome.FAILED  # still in error: no news
    event = failing.one(EventType.INTEGRATION_ERROR)
    assert failing.types == ["integration_error:open"]
    assert event.alias == f"connection:{connection.pk}"
    assert event.message == "Integration in error: OpsGenie stopped syncing"
    assert "Invalid API key" in event.description
    assert f"To do: {ErrorAction.REENTER_KEY.label}." in event.description
    assert BAD_KEY not in event.description

    # The key only: this copy's status is the one it had before the sync put it in error.
    connection.set_credentials({"api_key": upstream.keys.opsgenie_us}, hint="xxxx")
    connection.save(update_fields=["credentials", "credential_hint"])
    with collected() as recovering:
        assert run_sync(connection).outcome == SyncOutcome.SUCCEEDED
        assert run_sync(connection).outcome == SyncOutcome.SUCCEEDED  # connected: no news
    recovered = recovering.one(EventType.INTEGRATION_RECOVERED)
    assert recovering.types == ["integration_recovered:close"]
    assert (recovered.alias, recovered.action) == (event.alias, Action.CLOSE)
    assert recovered.message == "Integration recovered: OpsGenie syncs again"


def test_clearing_an_error_that_is_not_there_tells_nobody() -> None:
    connection = make_connection()
    with collected() as events:
        connection_clear_error(connection=connection)
    assert events.emitted == []


def test_an_error_on_a_connection_disconnected_meanwhile_tells_nobody() -> None:
    connection = make_connection()
    Connection.objects.filter(pk=connection.pk).update(status=ConnectionStatus.DISCONNECTED)
    with collected() as events:
        connection_record_error(connection=connection, message="401", action=ErrorAction.RECONNECT)
    assert events.emitted == []


@responses.activate
def test_reconnecting_a_connection_in_error_closes_its_error_alert(admin_client) -> None:  # type: ignore[no-untyped-def]
    responses.get(US, json=OK_BODY)
    connection = make_connection(api_key=KEY)
    connection_record_error(
        connection=connection, message="Invalid", action=ErrorAction.REENTER_KEY
    )
    with collected() as events:
        _connect(admin_client, key=NEW_KEY)
    assert events.types == ["integration_recovered:close", "integration_connected:open"]
    closed, connected = events.kept
    assert closed.alias == f"connection:{connection.pk}"
    assert "given new credentials" in connected.description


@responses.activate
def test_disconnecting_a_connection_in_error_closes_its_error_alert(admin_client) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection(api_key=KEY)
    connection_record_error(
        connection=connection, message="Invalid", action=ErrorAction.REENTER_KEY
    )
    with collected() as events:
        admin_client.post("/settings/integrations/opsgenie/disconnect/")
    assert events.types == ["integration_recovered:close", "integration_disconnected:open"]
    assert events.kept[0].message == "Integration no longer in error: OpsGenie was disconnected"
