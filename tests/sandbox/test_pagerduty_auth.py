from __future__ import annotations

import pytest
import requests

from integrations.sandbox.server import SandboxKeys, SandboxServer
from tests.sandbox.pagerduty_support import auth_header, pd_call

AUTH_FAILED = {"error": {"message": "Authentication failed", "code": 2006}}


def _assert_not_authenticated(response: requests.Response) -> None:
    assert response.status_code == 401
    assert response.json() == AUTH_FAILED
    assert response.headers["x-request-id"]


def test_a_request_without_credentials_is_not_authenticated(sandbox: SandboxServer):
    _assert_not_authenticated(pd_call(sandbox, "/incidents", key=None))


@pytest.mark.parametrize("key", ["us", "us_oauth", "no_incident_ability"])
def test_us_credentials_are_not_accepted_by_the_eu_region(sandbox: SandboxServer, key: str):
    _assert_not_authenticated(pd_call(sandbox, "/users", key=key, region="eu"))


@pytest.mark.parametrize("key", ["eu", "eu_oauth"])
def test_eu_credentials_are_not_accepted_by_the_us_region(sandbox: SandboxServer, key: str):
    _assert_not_authenticated(pd_call(sandbox, "/users", key=key, region="us"))


@pytest.mark.parametrize(
    ("region", "key"), [("us", "us"), ("us", "us_oauth"), ("eu", "eu"), ("eu", "eu_oauth")]
)
def test_each_region_accepts_its_api_key_and_its_oauth_token(
    sandbox: SandboxServer, region: str, key: str
):
    response = pd_call(sandbox, "/incidents", key=key, region=region)

    assert response.status_code == 200
    assert response.headers["ratelimit-limit"] == "960"
    assert int(response.headers["ratelimit-remaining"]) < 960
    assert 1 <= int(response.headers["ratelimit-reset"]) <= 60
    assert response.headers["x-request-id"]


@pytest.mark.parametrize(
    "header",
    [
        "Token {key}",
        "token token={key}",
        "Token token= {key}x",
        "GenieKey {key}",
        "Basic {key}",
        "{key}",
        "Bearer {key}",  # an API key is not an OAuth token
        "Token token={token}",  # nor the other way round
        "Token token=",
    ],
)
def test_only_the_exact_header_forms_with_known_secrets_authenticate(
    sandbox: SandboxServer, header: str
):
    keys = sandbox.keys
    sent = {"Authorization": header.format(key=keys.pagerduty_us, token=keys.pagerduty_us_oauth)}

    _assert_not_authenticated(pd_call(sandbox, "/incidents", key=None, headers=sent))


def test_the_bearer_scheme_name_is_case_insensitive(sandbox: SandboxServer):
    sent = {"Authorization": f"bearer {sandbox.keys.pagerduty_us_oauth}"}

    assert pd_call(sandbox, "/users", key=None, headers=sent).status_code == 200


@pytest.mark.parametrize("path", ["/incidents", "/incidents/1", "/incidents/1/notes"])
def test_an_account_without_the_incident_ability_gets_402_code_2014_on_incidents(
    sandbox: SandboxServer, path: str
):
    response = pd_call(sandbox, path, key="no_incident_ability")

    assert response.status_code == 402
    assert response.json()["error"]["code"] == 2014


def test_an_account_without_the_incident_ability_still_reads_the_rest(sandbox: SandboxServer):
    abilities = pd_call(sandbox, "/abilities", key="no_incident_ability").json()["abilities"]

    assert pd_call(sandbox, "/users", key="no_incident_ability").status_code == 200
    assert "incidents" not in abilities
    assert "teams" in abilities
    assert "incidents" in pd_call(sandbox, "/abilities").json()["abilities"]


@pytest.mark.parametrize(("key", "status"), [("us", 204), ("no_incident_ability", 402)])
def test_a_single_ability_answers_204_when_present_and_402_when_missing(
    sandbox: SandboxServer, key: str, status: int
):
    response = pd_call(sandbox, "/abilities/incidents", key=key)

    assert response.status_code == status
    assert pd_call(sandbox, "/abilities/no-such-ability").status_code == 404


@pytest.mark.parametrize("path", ["/incidents", "/incidents/1", "/incidents/1/notes"])
def test_an_oauth_token_without_the_incidents_scope_gets_403(sandbox: SandboxServer, path: str):
    response = pd_call(sandbox, path, key="no_incident_scope_oauth")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == 2010
    assert pd_call(sandbox, "/users", key="no_incident_scope_oauth").status_code == 200


def test_users_me_with_an_account_key_is_a_400_with_a_string_error(sandbox: SandboxServer):
    response = pd_call(sandbox, "/users/me", key="us")

    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)
    assert "account-level access token" in response.json()["error"]


def test_users_me_with_an_oauth_token_is_the_user_who_connected(sandbox: SandboxServer):
    response = pd_call(sandbox, "/users/me", key="us_oauth")

    assert response.status_code == 200
    user = response.json()["user"]
    assert user["type"] == "user"
    assert user["role"] in ("owner", "admin")
    assert user["self"] == f"{sandbox.pagerduty_url('us')}/users/{user['id']}"


def test_unknown_paths_and_methods_answer_in_the_error_envelope(sandbox: SandboxServer):
    missing = pd_call(sandbox, "/maintenance_windows")
    posted = sandbox.pagerduty_url("us") + "/incidents"
    not_allowed = requests.post(posted, headers=auth_header(sandbox, "us"), json={}, timeout=10)

    assert missing.status_code == 404
    assert missing.json() == {"error": {"message": "Not Found", "code": 2100}}
    assert not_allowed.status_code == 405
    assert "GET" in not_allowed.headers["Allow"]


def test_pagerduty_keys_are_distinct_derived_from_the_seed_and_shaped_like_upstreams():
    keys = SandboxKeys.from_seed(3)
    again = SandboxKeys.from_seed(3)

    assert keys == again
    assert len(set(keys.as_dict().values())) == len(keys.as_dict())
    assert len(keys.pagerduty_us) == 20
    assert keys.pagerduty_us_oauth.startswith("pdus+_0XBPWQQ_")
    assert keys.pagerduty_us != SandboxKeys.from_seed(4).pagerduty_us
