"""The JSM wizard's Validate step, branch by branch, with Atlassian's answers stubbed
(``responses``): the site, the token, the Operations role, the JQL, and not answering."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.db import connection as db
from django.test import Client

from integrations.models import Connection, ConnectionStatus

SITE = "https://acme.atlassian.net"
TENANT = f"{SITE}/_edge/tenant_info"
MYSELF = f"{SITE}/rest/api/3/myself"
SEARCH = f"{SITE}/rest/api/3/search/jql"
CLOUD_ID = "0b5e1f0e-7c55-4c6b-9a51-3f6d2b8e1c7a"
ALERTS = f"https://api.atlassian.com/jsm/ops/api/{CLOUD_ID}/v1/alerts"
TOKEN = "ATATT3xFfGF0Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA=AB12CD34"
EMAIL = "dana@example.com"
DETAILS = "/settings/integrations/jsm/connect/details/"
FORM = {
    "site": "acme",
    "email": EMAIL,
    "api_token": TOKEN,
    "jql": 'issuetype = "[System] Incident"',
}
ME = {"accountId": "712020:abc", "emailAddress": EMAIL, "timeZone": "Europe/Paris"}

pytestmark = pytest.mark.django_db


def _site_answers(
    *, myself: dict | None = None, alerts: int = 200, search: dict | None = None
) -> None:  # type: ignore[type-arg]
    responses.get(TENANT, json={"cloudId": CLOUD_ID})
    responses.get(MYSELF, **(myself or {"json": ME}))
    responses.get(ALERTS, status=alerts, json={"values": [], "links": {}})
    responses.get(SEARCH, **(search or {"json": {"issues": [], "isLast": True}}))


def _page(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


@responses.activate
def test_a_site_that_answers_everything_connects(admin_client: Client, admin_user) -> None:  # type: ignore[no-untyped-def]
    _site_answers()
    response = admin_client.post(DETAILS, {**FORM, "api_token": f"  {TOKEN}\n"})
    assert response.status_code == 302 and response["Location"] == "/settings/integrations/jsm/"
    connection = Connection.objects.get(provider="jsm")
    assert connection.status == ConnectionStatus.CONNECTED
    assert connection.connected_by == admin_user
    assert connection.get_credentials() == {
        "site": "acme",
        "cloud_id": CLOUD_ID,
        "account_id": "712020:abc",
        "email": EMAIL,
        "api_token": TOKEN,
        "jql": 'issuetype = "[System] Incident"',
    }
    # The cloudId lookup goes without credentials; the others with Basic auth.
    assert "Authorization" not in responses.calls[0].request.headers
    assert responses.calls[1].request.headers["Authorization"].startswith("Basic ")
    # The JQL is run once, for one work item.
    assert "maxResults=1" in responses.calls[3].request.url
    page = _page(admin_client.get(response["Location"]))
    assert "acme.atlassian.net" in page and EMAIL in page and "…CD34" in page
    assert "dies with them" in page
    assert TOKEN not in page


@responses.activate
def test_the_token_is_encrypted_at_rest(admin_client: Client) -> None:
    _site_answers()
    admin_client.post(DETAILS, FORM)
    with db.cursor() as cursor:
        cursor.execute("SELECT credentials FROM integrations_connection")
        stored = cursor.fetchone()[0]
    assert TOKEN not in stored and EMAIL not in stored


@pytest.mark.parametrize(
    "typed",
    ["ac", "-acme", "acme-", "acme_corp", "acme.example.com", "https://evil.test/x", "a" * 64],
)
@responses.activate
def test_only_a_site_name_by_atlassians_rules_is_accepted(admin_client: Client, typed: str) -> None:
    response = admin_client.post(DETAILS, {**FORM, "site": typed})
    assert "Enter the site name only" in _page(response)
    assert not responses.calls and not Connection.objects.exists()


@responses.activate
def test_a_pasted_site_address_keeps_only_its_name(admin_client: Client) -> None:
    _site_answers()
    admin_client.post(DETAILS, {**FORM, "site": "https://ACME.atlassian.net/"})
    assert Connection.objects.get().get_credentials()["site"] == "acme"
    assert responses.calls[0].request.url == TENANT


@responses.activate
def test_an_unknown_site_is_named(admin_client: Client) -> None:
    responses.get(TENANT, status=404, body="Not found")
    page = _page(admin_client.post(DETAILS, FORM))
    assert "There is no Atlassian site called “acme”" in page
    assert "Nothing was saved" in page and not Connection.objects.exists()


@responses.activate
def test_a_refused_token_says_to_copy_it_again(admin_client: Client) -> None:
    responses.get(TENANT, json={"cloudId": CLOUD_ID})
    # Jira Cloud's 401 body is plain text.
    responses.get(MYSELF, status=401, body="Client must be authenticated to access this resource.")
    page = _page(admin_client.post(DETAILS, FORM))
    assert "Jira did not accept the email and API token" in page
    assert not Connection.objects.exists()


@responses.activate
def test_an_account_without_an_operations_role_is_told_by_name(admin_client: Client) -> None:
    _site_answers(alerts=403)
    page = _page(admin_client.post(DETAILS, FORM))
    assert (
        f"The Atlassian account {EMAIL} has no Operations role (a Global or Team Operations "
        "role) in Jira Service Management" in page
    )
    assert not Connection.objects.exists()


@responses.activate
def test_a_refused_jql_shows_jiras_own_words_escaped(admin_client: Client) -> None:
    said = "Field '<script>x</script>' does not exist or you do not have permission to view it."
    _site_answers(search={"status": 400, "json": {"errorMessages": [said], "errors": {}}})
    page = _page(admin_client.post(DETAILS, {**FORM, "jql": "<script>x</script> = 1"}))
    assert "Jira refused the incident JQL." in page
    assert "Field &#x27;&lt;script&gt;x&lt;/script&gt;&#x27; does not exist" in page
    assert "<script>x</script>" not in page
    assert not Connection.objects.exists()


@responses.activate
def test_a_site_not_answering_saves_nothing(admin_client: Client) -> None:
    responses.get(TENANT, body=requests.ConnectionError("refused"))
    page = _page(admin_client.post(DETAILS, FORM))
    assert "Jira Service Management is not answering, try again in a minute" in page
    assert not Connection.objects.exists()


@responses.activate
def test_an_echoed_token_never_reaches_the_page(admin_client: Client) -> None:
    _site_answers(search={"status": 400, "json": {"errorMessages": [f"bad token {TOKEN}"]}})
    page = _page(admin_client.post(DETAILS, FORM))
    assert "Jira refused the incident JQL" in page and TOKEN not in page


@responses.activate
def test_auditors_cannot_connect_edit_or_disconnect(auditor_client: Client) -> None:
    for url in (DETAILS, "/settings/integrations/jsm/connect/", "/settings/integrations/jsm/edit/"):
        assert auditor_client.post(url, FORM).status_code == 403
    assert auditor_client.post("/settings/integrations/jsm/disconnect/").status_code == 403
    assert not responses.calls and not Connection.objects.exists()


@responses.activate
def test_an_auditor_leaves_an_existing_connection_unchanged(
    admin_client: Client, auditor_client: Client
) -> None:
    _site_answers()
    admin_client.post(DETAILS, FORM)
    before = Connection.objects.values().get()
    answered = auditor_client.post("/settings/integrations/jsm/edit/", {**FORM, "site": "other"})
    assert answered.status_code == 403
    assert auditor_client.post("/settings/integrations/jsm/disconnect/").status_code == 403
    assert Connection.objects.values().get() == before
    page = _page(auditor_client.get("/settings/integrations/jsm/"))
    assert "Read-only" in page and TOKEN not in page


@responses.activate
def test_edit_keeps_the_connection_when_the_new_details_are_refused(admin_client: Client) -> None:
    _site_answers()
    admin_client.post(DETAILS, FORM)
    form = _page(admin_client.get("/settings/integrations/jsm/edit/"))
    assert 'value="acme"' in form and EMAIL in form and TOKEN not in form
    responses.get(TENANT, status=404)
    responses.replace(responses.GET, TENANT, status=404)
    page = _page(admin_client.post("/settings/integrations/jsm/edit/", {**FORM, "site": "acme2"}))
    assert "Not saved." in page and "the existing connection is unchanged" in page
    assert Connection.objects.get().get_credentials()["site"] == "acme"


def test_the_review_step_names_the_operations_role(admin_client: Client) -> None:
    page = _page(admin_client.get("/settings/integrations/jsm/connect/"))
    assert "Review permissions" in page and "Operations role" in page
    assert "dies with them" in page
    answer = admin_client.post("/settings/integrations/jsm/connect/", {})
    assert answer.status_code == 302 and answer["Location"] == DETAILS
    details = _page(admin_client.get(DETAILS))
    assert 'name="site"' in details and 'name="api_token"' in details
    assert "issuetype = &quot;[System] Incident&quot;" in details


@responses.activate
def test_the_jql_is_checked_as_the_sync_runs_it_and_without_an_order_of_its_own(
    admin_client: Client,
) -> None:
    page = _page(admin_client.post(DETAILS, {**FORM, "jql": "project = OPS order by key"}))
    assert "Leave out ORDER BY" in page and not responses.calls
    _site_answers()
    admin_client.post(DETAILS, {**FORM, "jql": 'summary ~ "order by"'})
    assert Connection.objects.get().get_credentials()["jql"] == 'summary ~ "order by"'
    sent = parse_qs(urlsplit(responses.calls[3].request.url).query)["jql"]
    assert sent == ['(summary ~ "order by") ORDER BY created ASC, id ASC']
