"""``manage.py connect jsm`` and ``manage.py sandbox``, against the emulated site: the same
validation and messages as the wizard; the emulator answering as Jira does."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import requests
from django.core.management import CommandError, call_command
from django.test import Client

from integrations.models import Connection

pytestmark = pytest.mark.django_db


def _token_file(tmp_path: Path, token: str) -> str:
    path = tmp_path / "token"
    path.write_text(f"{token}\n")
    return str(path)


def _connect(
    upstream, tmp_path: Path, *, email: str | None = None, token: str | None = None, **extra: str
) -> str:  # type: ignore[no-untyped-def]
    keys = upstream.keys
    out = io.StringIO()
    args = ["--site", keys.jsm_site, "--email", email or keys.jsm_email]
    args += ["--api-token-file", _token_file(tmp_path, token or keys.jsm_api_token)]
    for name, value in extra.items():
        args += [f"--{name}", value]
    call_command("connect", "jsm", *args, stdout=out)
    return out.getvalue()


def test_the_command_connects_the_sandbox_site(upstream, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    said = _connect(upstream, tmp_path)
    connection = Connection.objects.get(provider="jsm")
    assert connection.get_credentials()["api_token"] == upstream.keys.jsm_api_token
    assert "Connected Jira Service Management (evidencehub-sandbox.atlassian.net)" in said
    assert f"token ending …{upstream.keys.jsm_api_token[-4:]}" in said
    assert upstream.keys.jsm_api_token not in said and "dies with its user" in said


def test_the_command_names_a_missing_operations_role(upstream, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    keys = upstream.keys
    with pytest.raises(CommandError, match="agent@example.com has no Operations role"):
        _connect(upstream, tmp_path, email=keys.jsm_no_role_email, token=keys.jsm_no_role_token)
    assert not Connection.objects.exists()


def test_the_command_says_a_token_is_refused(upstream, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="Jira did not accept the email and API token"):
        _connect(upstream, tmp_path, token=upstream.keys.jsm_no_role_token)


def test_the_command_shows_jiras_words_for_a_bad_jql(upstream, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="Field 'colour' does not exist"):
        _connect(upstream, tmp_path, jql="colour = red")


def test_the_command_refuses_an_unknown_site(upstream, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    token = _token_file(tmp_path, upstream.keys.jsm_api_token)
    with pytest.raises(CommandError, match="There is no Atlassian site called “nosuchsite”"):
        call_command(
            "connect", "jsm", "--site", "nosuchsite", "--email", "a@example.com",
            "--api-token-file", token,
        )  # fmt: skip
    with pytest.raises(CommandError, match="Enter the site name only"):
        call_command(
            "connect", "jsm", "--site", "https://evil.test/", "--email", "a@example.com",
            "--api-token-file", token,
        )  # fmt: skip


def test_other_providers_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--site applies to Jira Service Management only"):
        call_command("connect", "opsgenie", "--site", "acme")
    with pytest.raises(CommandError, match="Jira Service Management takes no --api-key-file"):
        call_command("connect", "jsm", "--site", "acme", "--api-key-file", "x")
    with pytest.raises(CommandError, match="needs --site and --email"):
        call_command("connect", "jsm", "--site", "acme")


def test_the_wizard_connects_the_sandbox_site(upstream, admin_client: Client) -> None:  # type: ignore[no-untyped-def]
    keys = upstream.keys
    form = {
        "site": keys.jsm_site,
        "email": keys.jsm_email,
        "api_token": keys.jsm_api_token,
        "jql": 'issuetype = "[System] Incident" AND project = OPS',
    }
    answer = admin_client.post("/settings/integrations/jsm/connect/details/", form)
    assert answer.status_code == 302
    no_role = {**form, "email": keys.jsm_no_role_email, "api_token": keys.jsm_no_role_token}
    page = admin_client.post("/settings/integrations/jsm/edit/", no_role).content.decode()
    assert "agent@example.com has no Operations role" in page
    assert Connection.objects.get().get_credentials()["email"] == keys.jsm_email


def test_the_emulator_answers_as_jira_does(upstream) -> None:  # type: ignore[no-untyped-def]
    keys = upstream.keys
    site = upstream.jsm_site_url().replace("{site}", keys.jsm_site)
    auth = (keys.jsm_email, keys.jsm_api_token)
    search = f"{site}/rest/api/3/search/jql"
    unbounded = requests.get(search, auth=auth, params={"jql": "ORDER BY created"}, timeout=5)
    assert unbounded.status_code == 400
    assert unbounded.json()["errorMessages"] == [
        "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
    ]
    broken = requests.get(search, auth=auth, params={"jql": "project OPS"}, timeout=5)
    assert broken.status_code == 400
    assert broken.json()["errorMessages"][0].startswith(
        "Error in the JQL Query: Expecting operator but got 'OPS'."
    )
    old = requests.get(f"{site}/rest/api/3/search", auth=auth, timeout=5)
    assert old.status_code == 410
    refused = requests.get(search, auth=("x@example.com", "nope"), timeout=5)
    assert refused.status_code == 401
    done = requests.get(
        search,
        auth=auth,
        params={"jql": "project = OPS AND statusCategory = Done", "fields": "status"},
        timeout=5,
    ).json()
    assert done["issues"] and all(
        issue["fields"]["status"]["statusCategory"]["key"] == "done" for issue in done["issues"]
    )


def test_the_ops_api_pages_alerts_within_its_caps(upstream) -> None:  # type: ignore[no-untyped-def]
    keys = upstream.keys
    site = upstream.jsm_site_url().replace("{site}", keys.jsm_site)
    cloud_id = requests.get(f"{site}/_edge/tenant_info", timeout=5).json()["cloudId"]
    alerts = f"{upstream.jsm_ops_url()}/{cloud_id}/v1/alerts"
    auth = (keys.jsm_email, keys.jsm_api_token)
    first = requests.get(alerts, auth=auth, params={"size": 10}, timeout=5).json()
    assert len(first["values"]) == 10 and "offset=10" in first["links"]["next"]
    for params in ({"size": 101}, {"size": 100, "offset": 19_900}):
        assert requests.get(alerts, auth=auth, params=params, timeout=5).status_code == 400


def test_print_keys_lists_the_site_email_and_token() -> None:
    out = io.StringIO()
    call_command("sandbox", "--print-keys", "--port", "8810", stdout=out)
    described = json.loads(out.getvalue())
    keys = described["keys"]
    assert keys["jsm_site"] == "evidencehub-sandbox"
    assert keys["jsm_email"] == "ops.admin@example.com"
    assert keys["jsm_api_token"].startswith("ATATT3xFfGF0")
    assert described["jsm_site_url"] == "http://127.0.0.1:8810/jsm/site"
    env = io.StringIO()
    call_command("sandbox", "--print-env", "--port", "8810", stdout=env)
    assert "JSM_SITE_URL='http://127.0.0.1:8810/jsm/site/{site}'" in env.getvalue()
    assert "JSM_CLOUD_URL=http://127.0.0.1:8810/jsm/ops/api" in env.getvalue()
    assert "JSM_IMPACT_START_FIELD=customfield_10060" in env.getvalue()
