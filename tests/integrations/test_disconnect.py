"""Issue 12, finding 8: disconnecting erases the stored credentials (the evidence stays), and a
PagerDuty connection made with OAuth has its tokens revoked first; a failed revocation still
disconnects and tells the admin what to do in PagerDuty."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.db import connection as db
from django.test import Client
from django.utils import timezone

from checks.models import CheckState
from incidents.checks import CLOSED_KEY
from incidents.models import DataLossReport, Incident, IncidentChange
from integrations.models import Connection, ConnectionStatus, SyncRun
from integrations.providers.pagerduty.oauth import REVOKE_PATH
from tests.conftest import make_connection, make_incident

pytestmark = pytest.mark.django_db

KEY = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
NEW_KEY = "0a9b8c7d-6e5f-4a3b-9c1d-2e3f4a5b6c7d"
ACCESS = "pdus+_0XBPWQQ_0f1e2d3c-4b5a-4697-8877-665544332211"
REFRESH = "pdus+_1XBPWQQ_11223344-5566-4778-899a-abbccddeeff0"
REVOKE = f"https://identity.pagerduty.com{REVOKE_PATH}"
OG_DISCONNECT = "/settings/integrations/opsgenie/disconnect/"
PD_DISCONNECT = "/settings/integrations/pagerduty/disconnect/"


def raw_credentials(connection: Connection) -> str:
    """The column as the database holds it, past the model's decryption."""
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM integrations_connection WHERE id = %s", [connection.pk]
        )
        (raw,) = cursor.fetchone()
    return raw


def evidence(connection: Connection) -> tuple[int, int, int, int]:
    return (
        Incident.objects.filter(connection=connection).count(),
        IncidentChange.objects.filter(incident__connection=connection).count(),
        DataLossReport.history.filter(incident__connection=connection).count(),
        SyncRun.objects.filter(connection=connection).count(),
    )


def with_evidence(connection: Connection) -> Connection:
    incident = make_incident(connection, 1)
    IncidentChange.objects.create(
        incident=incident, at=timezone.now(), field="status", before="open", after="resolved"
    )
    DataLossReport.objects.create(incident=incident, what_happened="Nothing was lost.")
    now = timezone.now()
    SyncRun.objects.create(
        connection=connection,
        trigger="manual",
        kind="full",
        outcome="succeeded",
        started_at=now,
        finished_at=now,
        heartbeat_at=now,
    )
    return connection


def oauth_connection() -> Connection:
    connection = make_connection(provider="pagerduty")
    connection.auth_method = "oauth"
    connection.set_credentials(
        {
            "access_token": ACCESS,
            "refresh_token": REFRESH,
            "expires_at": (timezone.now() + timedelta(days=9)).isoformat(),
            "scope": "openid read",
        },
        hint="",
    )
    connection.save()
    return with_evidence(connection)


@pytest.fixture(autouse=True)
def no_scheduler(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("integrations.tasks.sync_schedule_remove", lambda **kwargs: None)
    monkeypatch.setattr("integrations.tasks.sync_schedule_update", lambda **kwargs: None)
    monkeypatch.setattr("integrations.tasks.sync_enqueue", lambda **kwargs: "task")


def test_disconnecting_erases_the_key_and_keeps_every_piece_of_evidence(
    admin_client: Client,
) -> None:
    connection = with_evidence(make_connection(api_key=KEY))
    before = evidence(connection)
    assert KEY not in raw_credentials(connection) and raw_credentials(connection)  # encrypted
    page = admin_client.get(OG_DISCONNECT).content.decode()
    assert "key is erased here" in page
    response = admin_client.post(OG_DISCONNECT, follow=True)
    page = response.content.decode()
    assert "the stored credentials are erased" in page
    assert "no credentials are stored" in page
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert raw_credentials(connection) == ""
    assert connection.get_credentials() == {} and connection.credential_hint == ""
    assert evidence(connection) == before == (1, 1, 1, 1)
    # Checks were evaluated again at once: the disconnected source's open incident no longer
    # counts, so nothing is left to judge.
    assert CheckState.objects.get(key=CLOSED_KEY).status == "not_applicable"


@responses.activate
def test_reconnecting_after_a_disconnect_is_a_fresh_connect_on_the_same_row(
    admin_client: Client,
) -> None:
    connection = with_evidence(make_connection(api_key=KEY))
    admin_client.post(OG_DISCONNECT)
    responses.get("https://api.opsgenie.com/v1/incidents", json={"data": [], "totalCount": 0})
    response = admin_client.post(
        "/settings/integrations/opsgenie/connect/details/", {"api_key": NEW_KEY, "region": "us"}
    )
    assert response.status_code == 302
    again = Connection.objects.get()
    assert again.pk == connection.pk and again.status == ConnectionStatus.CONNECTED
    assert again.get_credentials() == {"api_key": NEW_KEY} and again.credential_hint == "6c7d"
    assert responses.calls[0].request.headers["Authorization"] == f"GenieKey {NEW_KEY}"
    assert evidence(again)[:3] == (1, 1, 1)


@responses.activate
def test_an_oauth_connection_is_revoked_at_pagerduty_then_erased(admin_client: Client) -> None:
    connection = oauth_connection()
    before = evidence(connection)
    responses.post(REVOKE, body="")
    assert (
        "authorization is\n    revoked in PagerDuty"
        in admin_client.get(PD_DISCONNECT).content.decode()
    )
    page = admin_client.post(PD_DISCONNECT, follow=True).content.decode()
    assert "PagerDuty revoked the authorization" in page
    assert "could not be revoked" not in page and "did not confirm" not in page
    sent = [parse_qs(call.request.body) for call in responses.calls]
    assert [(form["token"], form["token_type_hint"]) for form in sent] == [
        ([REFRESH], ["refresh_token"]),
        ([ACCESS], ["access_token"]),
    ]
    for form in sent:
        assert (form["client_id"], form["client_secret"]) == (
            ["test-client-id"],
            ["test-client-secret"],
        )
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED and connection.last_error == ""
    assert raw_credentials(connection) == ""
    assert evidence(connection) == before


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 503, "json": {"message": f"identity is down (token {ACCESS})"}},
        {"status": 400, "json": {"error": "unsupported_token_type", "error_description": REFRESH}},
        {"body": requests.ConnectionError("refused")},
    ],
    ids=["5xx", "refused", "unreachable"],
)
@responses.activate
def test_a_failed_revocation_still_disconnects_and_says_what_to_do(
    admin_client: Client, answer: dict
) -> None:  # type: ignore[type-arg]
    connection = oauth_connection()
    before = evidence(connection)
    responses.post(REVOKE, **answer)
    page = admin_client.post(PD_DISCONNECT, follow=True).content.decode()
    assert "PagerDuty is disconnected" in page
    assert "PagerDuty did not confirm that it revoked this connection&#x27;s authorization" in page
    assert "Remove the app&#x27;s authorization in PagerDuty yourself" in page
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert raw_credentials(connection) == ""
    assert evidence(connection) == before
    # The instruction stays on the connection page, not only in a one-time message.
    again = admin_client.get("/settings/integrations/pagerduty/").content.decode()
    assert "Remove the app&#x27;s authorization in PagerDuty yourself" in again
    for secret in (ACCESS, REFRESH):
        assert secret not in page and secret not in again


def test_without_the_app_s_secret_nothing_can_be_revoked_and_the_admin_is_told(
    admin_client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.PAGERDUTY_OAUTH_CLIENT_SECRET = ""
    connection = oauth_connection()
    page = admin_client.post(PD_DISCONNECT, follow=True).content.decode()
    assert "could not be revoked" in page and "Revoke All Tokens" in page
    assert raw_credentials(Connection.objects.get(pk=connection.pk)) == ""


def test_a_pagerduty_api_key_connection_has_nothing_to_revoke(admin_client: Client) -> None:
    connection = make_connection(provider="pagerduty", api_key=KEY)
    with responses.RequestsMock():  # any HTTP call would fail the test
        page = admin_client.post(PD_DISCONNECT, follow=True).content.decode()
    assert "the stored credentials are erased." in page and "revoked" not in page
    assert raw_credentials(Connection.objects.get(pk=connection.pk)) == ""


def test_the_migration_cleans_what_earlier_versions_stored() -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("integrations.migrations.0010_redact_stored_upstream_errors")
    live = make_connection(api_key=KEY, status="error")
    live.last_error = f"OpsGenie said: key {KEY} is disabled"
    live.save()
    now = timezone.now()
    run = SyncRun.objects.create(
        connection=live,
        trigger="manual",
        kind="full",
        outcome="failed",
        started_at=now,
        heartbeat_at=now,
        error=f"HTTP 403: Key {KEY} may not read incidents",
        counts={"services": {"error": f"GenieKey {KEY}", "fetched": 3}},
    )
    gone = make_connection(provider="pagerduty", api_key=NEW_KEY, status="disconnected")

    migration.clean(apps, None)

    live.refresh_from_db()
    run.refresh_from_db()
    assert live.last_error == "OpsGenie said: key [redacted] is disabled"
    assert run.error == "HTTP 403: Key [redacted] may not read incidents"
    assert run.counts == {"services": {"error": "GenieKey [redacted]", "fetched": 3}}
    assert live.get_credentials() == {"api_key": KEY}  # still connected: kept
    assert raw_credentials(gone) == ""
