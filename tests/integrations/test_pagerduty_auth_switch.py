"""Switching PagerDuty between OAuth and an API key keeps the chosen services when the account is
the same one (told by its subdomain), and asks for them again when it is another."""

from __future__ import annotations

import pytest
import responses
from django.utils import timezone

from integrations.models import Connection
from integrations.providers.pagerduty.client import subdomain_of
from tests.conftest import make_connection
from tests.integrations.test_pagerduty_oauth_connect import (
    CALLBACK,
    TOKEN_URL,
    US_INCIDENTS,
    start,
    token_answer,
)

pytestmark = pytest.mark.django_db

KEY_URL = "/settings/integrations/pagerduty/connect/key/"
USERS = "https://api.pagerduty.com/users"
KEY = "u+Switch0verKey1234abcd"
PAGE = {"incidents": [], "limit": 1, "offset": 0, "more": False, "total": None}


def users_of(subdomain: str) -> dict[str, object]:
    return {"users": [{"id": "PU1", "html_url": f"https://{subdomain}.pagerduty.com/users/PU1"}]}


@pytest.fixture
def started(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    calls: list[str] = []
    monkeypatch.setattr(
        "integrations.tasks.sync_enqueue",
        lambda *, connection, trigger, full=False: calls.append(trigger) or "task",
    )
    monkeypatch.setattr("integrations.tasks.sync_schedule_update", lambda *, connection: None)
    return calls


def _connected(*, auth_method: str, account_name: str) -> Connection:
    connection = make_connection(provider="pagerduty")
    connection.auth_method, connection.account_name = auth_method, account_name
    connection.service_ids = ["PSVC001", "PSVC002"]
    connection.services_confirmed_at = timezone.now()
    connection.save()
    return connection


@responses.activate
def test_a_key_of_the_oauth_account_keeps_the_services_and_syncs_at_once(
    admin_client, started
) -> None:  # type: ignore[no-untyped-def]
    _connected(auth_method="oauth", account_name="acme")
    responses.get(US_INCIDENTS, json=PAGE)
    users = responses.get(USERS, json=users_of("acme"))
    response = admin_client.post(KEY_URL, {"api_key": KEY, "region": "us"})
    assert response.status_code == 302
    assert response["Location"] == "/settings/integrations/pagerduty/"
    assert users.calls[0].request.headers["Authorization"] == f"Token token={KEY}"
    connection = Connection.objects.get(provider="pagerduty")
    assert (connection.auth_method, connection.account_name) == ("api_key", "acme")
    assert connection.service_ids == ["PSVC001", "PSVC002"]
    assert connection.services_confirmed_at is not None
    assert started == ["connect"]


@responses.activate
def test_a_key_of_another_account_asks_for_the_services_again(admin_client, started) -> None:  # type: ignore[no-untyped-def]
    _connected(auth_method="oauth", account_name="acme")
    responses.get(US_INCIDENTS, json=PAGE)
    responses.get(USERS, json=users_of("globex"))
    response = admin_client.post(KEY_URL, {"api_key": KEY, "region": "us"})
    assert response["Location"] == "/settings/integrations/pagerduty/services/"
    connection = Connection.objects.get(provider="pagerduty")
    assert connection.service_ids == [] and connection.services_confirmed_at is None
    assert started == []


@responses.activate
def test_a_key_whose_account_cannot_be_read_is_not_taken_for_the_oauth_one(
    admin_client, started
) -> None:  # type: ignore[no-untyped-def]
    _connected(auth_method="oauth", account_name="acme")
    responses.get(US_INCIDENTS, json=PAGE)
    responses.get(USERS, status=403, json={"error": {"message": "Access Denied", "code": 2010}})
    response = admin_client.post(KEY_URL, {"api_key": KEY, "region": "us"})
    assert response["Location"] == "/settings/integrations/pagerduty/services/"
    assert Connection.objects.get(provider="pagerduty").services_confirmed_at is None


@responses.activate
def test_oauth_for_the_key_s_account_keeps_the_services(admin_client, started) -> None:  # type: ignore[no-untyped-def]
    _connected(auth_method="api_key", account_name="acme")
    state = start(admin_client)["state"]
    responses.post(TOKEN_URL, json=token_answer(subdomain="acme"))
    responses.get(US_INCIDENTS, json=PAGE)
    response = admin_client.get(CALLBACK, {"code": "the-code", "state": state})
    assert response["Location"] == "/settings/integrations/pagerduty/"
    connection = Connection.objects.get(provider="pagerduty")
    assert connection.auth_method == "oauth"
    assert connection.service_ids == ["PSVC001", "PSVC002"]
    assert started == ["connect"]


@responses.activate
def test_oauth_without_a_subdomain_claim_reads_the_account_from_its_users(
    admin_client, started
) -> None:  # type: ignore[no-untyped-def]
    _connected(auth_method="api_key", account_name="acme")
    state = start(admin_client)["state"]
    responses.post(TOKEN_URL, json=token_answer(subdomain=None))
    responses.get(US_INCIDENTS, json=PAGE)
    users = responses.get(USERS, json=users_of("acme"))
    admin_client.get(CALLBACK, {"code": "the-code", "state": state})
    assert users.calls[0].request.headers["Authorization"].startswith("Bearer ")
    assert Connection.objects.get(provider="pagerduty").service_ids == ["PSVC001", "PSVC002"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://acme.pagerduty.com/users/PU1", "acme"),
        ("https://acme-eu.eu.pagerduty.com/users/PU1", "acme-eu"),
        ("https://evil.example.com/users/PU1", ""),
        (None, ""),
        ("not a url", ""),
    ],
)
def test_the_subdomain_comes_from_a_pagerduty_web_link_only(url: object, expected: str) -> None:
    assert subdomain_of(url) == expected
