"""The app's own 400, 403, 404 and 500 pages: in its layout, saying what happened and where to go,
and for a form too large to read, which limit it hit. (pytest-django runs with DEBUG off, as
production does: these are the pages people see, never Django's debug pages.)"""

from __future__ import annotations

import pytest
from django.db import connection as db
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path

from incidents.models import DataLossReport
from integrations.models import Connection, SyncRun
from tests.conftest import make_connection, make_incident

pytestmark = pytest.mark.django_db

TOO_BIG = "The form was larger than 2.5 MB, the most this site reads in one go"


def _boom(request: HttpRequest) -> None:
    raise RuntimeError("a bug")


# For the 500 test only (@pytest.mark.urls): a view that fails.
urlpatterns = [path("boom/", _boom)]


def _in_layout(page: str) -> None:
    assert 'id="error-page"' in page and 'class="brand"' in page and "app.css" in page


def test_an_unknown_address_gets_the_apps_404(admin_client: Client) -> None:
    response = admin_client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    _in_layout(page)
    assert "Page not found" in page and 'href="/">Dashboard</a>' in page
    assert ">Incidents</a>" in page  # the navigation leads on


def test_a_missing_object_says_what_was_not_found(admin_client: Client) -> None:
    page = admin_client.get("/incidents/999999/").content.decode()
    assert "No Incident matches the given query." in page and "Page not found" in page


# Each sync URL, and the method it answers (the other gets 405 before the slug is read).
SLUG_URLS = {
    "sync/": "post",
    "sync/status/": "get",
    "sync/history/": "get",
    "sync/frequency/": "post",
}


@pytest.mark.parametrize("slug", ["jsm", "nope", "OpsGenie", "opsgenie-2"])
@pytest.mark.parametrize("tail", list(SLUG_URLS))
def test_an_unknown_provider_is_404_on_every_url_that_names_one(
    admin_client: Client, slug: str, tail: str
) -> None:
    make_connection()  # OpsGenie is connected: only the slug is wrong
    before = list(Connection.objects.values_list("pk", "status", "sync_interval_minutes"))
    send = getattr(admin_client, SLUG_URLS[tail])
    response = send(f"/settings/integrations/{slug}/{tail}", {"minutes": "120", "full": "1"})
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert list(Connection.objects.values_list("pk", "status", "sync_interval_minutes")) == before
    assert not SyncRun.objects.exists()


def test_a_role_that_may_not_gets_the_apps_403(staff_client: Client) -> None:
    response = staff_client.get("/checks/")
    assert response.status_code == 403
    page = response.content.decode()
    _in_layout(page)
    assert "You may not open this page or do this" in page
    assert "signed in as carol-staff (Staff)" in page


def test_an_expired_form_gets_a_page_that_says_so(staff_user) -> None:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    incident = make_incident(make_connection(), 1)
    response = client.post(f"/incidents/{incident.pk}/data-loss/", {"data_lost": "yes"})
    assert response.status_code == 403
    page = response.content.decode()
    _in_layout(page)
    assert "The form could not be sent: it had expired" in page and "Nothing was saved" in page
    assert not DataLossReport.objects.exists()


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_form_too_large_to_read_names_the_limit_and_saves_nothing(
    staff_client: Client, htmx: bool
) -> None:
    incident = make_incident(make_connection(), 1)
    form_page = f"http://testserver/incidents/{incident.pk}/"
    headers = {"HTTP_REFERER": form_page, **({"HTTP_HX_REQUEST": "true"} if htmx else {})}
    data = {"data_lost": "yes", "reference_notes": "x" * (3 * 1024 * 1024)}
    response = staff_client.post(f"/incidents/{incident.pk}/data-loss/", data, **headers)
    assert response.status_code == 413
    page = response.content.decode()
    _in_layout(page)
    assert TOO_BIG in page and "nothing was saved" in page
    assert f'href="{form_page}">Back to the page you came from</a>' in page
    assert not DataLossReport.objects.exists()


def test_a_back_link_never_leads_off_the_site(staff_client: Client) -> None:
    incident = make_incident(make_connection(), 1)
    response = staff_client.post(
        f"/incidents/{incident.pk}/data-loss/",
        {"reference_notes": "x" * (3 * 1024 * 1024)},
        HTTP_REFERER="https://evil.example/phish",
    )
    assert TOO_BIG in response.content.decode() and "evil.example" not in response.content.decode()


def test_a_form_with_too_many_fields_says_so(admin_client: Client) -> None:
    data = {f"field_{n}": "x" for n in range(1001)}
    response = admin_client.post("/settings/incidents/", data)
    assert response.status_code == 400
    assert "The form had more than 1000 fields" in response.content.decode()


@pytest.mark.urls("tests.test_error_pages")
def test_a_failure_gets_the_apps_500_page(admin_user) -> None:  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    response = client.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page and 'id="error-page"' in page
    assert "a bug" not in page and "Traceback" not in page


def test_the_500_page_needs_no_request_and_no_database() -> None:
    with CaptureQueriesContext(db) as queries:
        page = render_to_string("500.html")
    assert not queries.captured_queries
    assert 'href="/static/css/app.css"' in page and 'href="/"' in page


def test_htmx_shows_an_error_answer_above_the_page(staff_client: Client) -> None:
    page = staff_client.get("/").content.decode()
    assert '<div id="request-error"></div>' in page
    assert '"target": "#request-error", "select": "#error-page"' in page


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1:8000@evil.example", "bad host"])
def test_a_host_not_ours_gets_the_apps_400_not_an_error(staff_client: Client, host: str) -> None:
    """Django refuses a Host header outside ALLOWED_HOSTS through the 400 handler, which must not
    ask the request for its host again (that raised inside the handler: a 500)."""
    incident = make_incident(make_connection(), 1)
    response = staff_client.get(
        f"/incidents/{incident.pk}/", HTTP_HOST=host, HTTP_REFERER=f"http://{host}/incidents/"
    )
    assert response.status_code == 400
    page = response.content.decode()
    _in_layout(page)
    assert "Back to the page you came from" not in page
