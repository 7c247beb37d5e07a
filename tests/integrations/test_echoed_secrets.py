"""Issue 12: an upstream (or a proxy) that repeats the key or token in its error message. The
text still says what went wrong, with the secret replaced by [redacted], everywhere it goes:
the sync run, the connection's last error, the dashboard, the connection page, the evidence
ZIP's sync_runs.csv and the logs."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import quote

import pytest
import responses
from django.test import Client
from django.utils import timezone

from evidence.archive import build_evidence_zip
from integrations.connections import connection_record_error
from integrations.models import Connection, ConnectionStatus, ErrorAction, SyncOutcome
from integrations.redaction import REDACTED
from integrations.sync.engine import sync_connection
from lib.evidence_files import Period
from tests.conftest import make_connection
from tests.evidence.conftest import read_zip

pytestmark = pytest.mark.django_db

KEY = "3e9d1c7b-5a2f-4e60-9b8d-7c6a5f4e3d2c"
ACCESS = "pdus+_0XBPWQQ_1a2b3c4d-5e6f-4789-abcd-ef0123456789"
REFRESH = "pdus+_1XBPWQQ_9f8e7d6c-5b4a-4321-8fed-cba987654321"
OG = "https://api.opsgenie.com"
PD = "https://api.pagerduty.com"


def _everything_shown(
    connection: Connection, admin_client: Client, staff_client: Client, auditor_client: Client
) -> str:
    """Every place the error text reaches, as one string: stored rows, pages, ZIP."""
    connection.refresh_from_db()
    run = connection.sync_runs.get()
    today = timezone.localdate()
    with build_evidence_zip(
        period=Period(start=today, end=today), generated_by=auditor_client.user
    ) as file:
        sync_runs_csv = read_zip(file.read()).read("sync_runs.csv").decode("utf-8-sig")
    pages = [
        client.get(url).content.decode()
        for client, url in (
            (admin_client, "/"),
            (staff_client, "/"),
            (auditor_client, f"/settings/integrations/{connection.provider}/"),
            (auditor_client, f"/settings/integrations/{connection.provider}/sync/history/"),
        )
    ]
    # Each place does show the error (so the absence of the secret means something).
    for shown in (run.error, sync_runs_csv, *pages):
        assert REDACTED in shown
    return "\n".join([run.error, str(run.counts), connection.last_error, sync_runs_csv, *pages])


@pytest.fixture
def clients(admin_client, staff_client, auditor_client, auditor_user):  # type: ignore[no-untyped-def]
    auditor_client.user = auditor_user
    return admin_client, staff_client, auditor_client


@responses.activate
def test_an_opsgenie_key_repeated_by_the_upstream_is_shown_nowhere(clients, caplog) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection(api_key=KEY)
    # A proxy in front of /services repeats the header; /incidents names the key it refuses.
    responses.get(
        f"{OG}/v1/services",
        status=502,
        json={"message": f"upstream timeout for Authorization: GenieKey {KEY}"},
    )
    responses.get(
        f"{OG}/v1/incidents",
        status=403,
        json={"message": f"Key {KEY} is not allowed to read incidents", "took": 0.001},
    )
    for path in ("/v2/teams", "/v2/users"):
        responses.get(f"{OG}{path}", json={"data": []})
    with caplog.at_level(logging.DEBUG):
        run = sync_connection(connection_id=connection.pk, trigger="manual", sleep=lambda s: None)
    assert run is not None and run.outcome == SyncOutcome.FAILED
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ERROR
    # The admin still reads what OpsGenie said, without the key.
    assert "Key [redacted] is not allowed to read incidents" in connection.last_error
    shown = _everything_shown(connection, *clients)
    assert "Key [redacted] is not allowed" in shown and "Authorization: [redacted]" in shown
    assert KEY not in shown and KEY not in caplog.text
    assert "[redacted]" in caplog.text  # the retries of /services were logged, redacted


@responses.activate
def test_a_pagerduty_oauth_token_repeated_by_the_upstream_is_shown_nowhere(clients, caplog) -> None:  # type: ignore[no-untyped-def]
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
    responses.get(f"{PD}/services", json={"services": [], "more": False})
    responses.get(
        f"{PD}/incidents",
        status=403,
        json={
            "error": {
                # URL-encoded, and once more after the scheme: both must go.
                "message": f"token={quote(ACCESS, safe='')} (Bearer {ACCESS}) lacks incidents.read",
                "code": 2010,
            }
        },
    )
    responses.get(f"{PD}/users", json={"users": [], "more": False})
    with caplog.at_level(logging.DEBUG):
        run = sync_connection(connection_id=connection.pk, trigger="manual", sleep=lambda s: None)
    assert run is not None and run.outcome == SyncOutcome.FAILED
    shown = _everything_shown(connection, *clients)
    assert "lacks incidents.read" in shown and "[redacted]" in shown
    for secret in (ACCESS, quote(ACCESS, safe=""), REFRESH):
        assert secret not in shown and secret not in caplog.text


def test_errors_are_redacted_where_they_are_stored_even_if_made_elsewhere(admin_client) -> None:  # type: ignore[no-untyped-def]
    # Defence in depth: a message that never passed the HTTP chokepoint.
    connection = make_connection(api_key=KEY)
    connection_record_error(
        connection=connection,
        message=f"OpsGenie said: key {KEY} is disabled",
        action=ErrorAction.REENTER_KEY,
    )
    connection.refresh_from_db()
    assert connection.last_error == "OpsGenie said: key [redacted] is disabled"
    page = admin_client.get("/settings/integrations/opsgenie/").content.decode()
    assert "key [redacted] is disabled" in page and KEY not in page


@responses.activate
def test_the_wizard_shows_the_upstream_s_words_without_the_key_just_typed(admin_client) -> None:  # type: ignore[no-untyped-def]
    responses.get(
        f"{OG}/v1/incidents",
        status=403,
        json={"message": f"Key {KEY} has no read access on incidents"},
    )
    page = admin_client.post(
        "/settings/integrations/opsgenie/connect/details/", {"api_key": KEY, "region": "us"}
    ).content.decode()
    assert "Key [redacted] has no read access on incidents" in page
    assert KEY not in page
    assert not Connection.objects.exists()


@responses.activate
def test_the_services_step_shows_a_listing_error_without_the_key(admin_client) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection(provider="pagerduty", api_key=KEY)
    connection.services_confirmed_at = None
    connection.save()
    responses.get(
        f"{PD}/services",
        status=404,
        json={"error": {"message": f"No route for Token token={KEY}", "code": 2100}},
    )
    page = admin_client.get("/settings/integrations/pagerduty/services/").content.decode()
    assert "PagerDuty answered HTTP 404: No route for [redacted]" in page
    assert KEY not in page
