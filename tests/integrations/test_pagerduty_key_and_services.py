"""The PagerDuty API-key path, the services step and the staff report page."""

from __future__ import annotations

import pytest
import responses
from django.test import Client
from django.utils import timezone

from integrations.models import Connection, ProviderService
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db

KEY_URL = "/settings/integrations/pagerduty/connect/key/"
SERVICES_URL = "/settings/integrations/pagerduty/services/"
US = "https://api.pagerduty.com/incidents"
EU = "https://api.eu.pagerduty.com/incidents"
KEY = "y_NbAkKc66ryYTWUXYEu"
PAGE = {"incidents": [], "limit": 1, "offset": 0, "more": False, "total": None}
AUTH_FAILED = {"error": {"message": "Authentication failed", "code": 2006}}


def _connect(client: Client, region: str = "us") -> object:
    return client.post(KEY_URL, {"api_key": f" {KEY}\n", "region": region})


@responses.activate
def test_a_valid_key_connects_and_asks_for_services_before_syncing(admin_client) -> None:  # type: ignore[no-untyped-def]
    responses.get(US, json=PAGE)
    response = _connect(admin_client)
    assert response.status_code == 302 and response["Location"] == SERVICES_URL
    assert responses.calls[0].request.headers["Authorization"] == f"Token token={KEY}"
    assert responses.calls[0].request.headers["Accept"] == (
        "application/vnd.pagerduty+json;version=2"
    )
    connection = Connection.objects.get(provider="pagerduty")
    assert connection.get_credentials() == {"api_key": KEY}
    assert (connection.auth_method, connection.credential_hint) == ("api_key", "XYEu")
    assert connection.services_confirmed_at is None


@responses.activate
def test_a_key_of_the_other_region_names_it(admin_client) -> None:  # type: ignore[no-untyped-def]
    responses.get(US, status=401, json=AUTH_FAILED)
    responses.get(EU, json=PAGE)
    page = _connect(admin_client).content.decode()
    assert "This key belongs to the EU region — select EU." in page
    assert not Connection.objects.exists()


@responses.activate
def test_an_unknown_key_gets_the_2006_answer(admin_client) -> None:  # type: ignore[no-untyped-def]
    responses.get(US, status=401, json=AUTH_FAILED)
    responses.get(EU, status=401, json=AUTH_FAILED)
    page = _connect(admin_client).content.decode()
    assert "Invalid API key: PagerDuty did not accept it." in page
    assert not Connection.objects.exists()


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (403, {"error": {"message": "Access Denied", "code": 2010}}, "cannot read incidents"),
        (402, {"error": {"message": "Missing Account Ability", "code": 2014}}, "lacks an ability"),
        (429, {"error": {"message": "Rate Limit Exceeded", "code": 2020}}, "not answering"),
        (503, {}, "not answering"),
    ],
)
@responses.activate
def test_each_refusal_gets_its_own_message_and_saves_nothing(  # type: ignore[no-untyped-def]
    admin_client, status: int, body: dict, expected: str
) -> None:
    responses.get(US, status=status, json=body, headers={"ratelimit-reset": "0"})
    page = _connect(admin_client).content.decode()
    assert expected in page and "Nothing was saved" in page
    assert not Connection.objects.exists()


@pytest.fixture
def pagerduty(db, monkeypatch):  # type: ignore[no-untyped-def]
    connection = make_connection(provider="pagerduty", api_key=KEY)
    connection.services_confirmed_at = None
    connection.save()
    now = timezone.now()
    for upstream_id, name in (("PSVC001", "Checkout <api>"), ("PSVC002", "Payments")):
        ProviderService.objects.create(
            connection=connection, upstream_id=upstream_id, name=name, synced_at=now
        )
    monkeypatch.setattr(
        "integrations.providers.pagerduty.service_selection.refresh_services",
        lambda c: list(c.services.all()),
    )
    started: list[tuple[str, bool]] = []
    monkeypatch.setattr(
        "integrations.tasks.sync_enqueue",
        lambda *, connection, trigger, full=False: started.append((trigger, full)) or "task",
    )
    monkeypatch.setattr("integrations.tasks.sync_schedule_update", lambda *, connection: None)
    connection.started = started
    return connection


def test_the_services_step_lists_services_escaped_all_by_default(admin_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get(SERVICES_URL).content.decode()
    assert "Checkout &lt;api&gt;" in page and "Payments" in page
    assert 'value="all" id="id_scope_0" required checked' in page
    assert "Save and start syncing" in page


def test_choosing_some_without_ticking_any_is_refused(admin_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.post(SERVICES_URL, {"scope": "some"}).content.decode()
    assert "Tick at least one service, or choose All services instead." in page
    pagerduty.refresh_from_db()
    assert pagerduty.services_confirmed_at is None


def test_the_first_save_starts_syncing_the_chosen_services(  # type: ignore[no-untyped-def]
    admin_client, pagerduty, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            SERVICES_URL,
            {"scope": "some", "service_ids": ["PSVC002"], "report_email": "incidents@acme.test"},
        )
    assert response["Location"] == "/settings/integrations/pagerduty/"
    pagerduty.refresh_from_db()
    assert pagerduty.service_ids == ["PSVC002"]
    assert pagerduty.report_email == "incidents@acme.test"
    assert pagerduty.services_confirmed_at is not None
    assert pagerduty.started == [("connect", True)]
    page = admin_client.get(response["Location"]).content.decode()
    assert "<dt>Services</dt><dd>Payments</dd>" in page
    assert "One step left" not in page


def test_a_changed_selection_reads_everything_again_an_unchanged_one_does_not(  # type: ignore[no-untyped-def]
    admin_client, pagerduty, django_capture_on_commit_callbacks
) -> None:
    pagerduty.services_confirmed_at = timezone.now()
    pagerduty.save()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(SERVICES_URL, {"scope": "all"})
        admin_client.post(SERVICES_URL, {"scope": "some", "service_ids": ["PSVC001"]})
    assert pagerduty.started == [("manual", True)]


def test_a_bad_report_address_is_refused(admin_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.post(SERVICES_URL, {"scope": "all", "report_email": "nope"}).content
    assert b"Enter a valid email address." in page
    pagerduty.refresh_from_db()
    assert pagerduty.report_email == ""


def test_auditors_cannot_change_services(auditor_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    response = auditor_client.post(SERVICES_URL, {"scope": "some", "service_ids": ["PSVC001"]})
    assert response.status_code == 403
    pagerduty.refresh_from_db()
    assert pagerduty.service_ids == [] and pagerduty.services_confirmed_at is None


def test_the_report_page_shows_staff_the_address(staff_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    empty = staff_client.get("/incidents/report/").content.decode()
    assert "No reporting address has been set up yet." in empty
    pagerduty.report_email = "incidents@acme.test"
    pagerduty.save()
    page = staff_client.get("/incidents/report/").content.decode()
    assert 'href="mailto:incidents@acme.test"' in page and "(PagerDuty)" in page
    assert ">Report an incident</a>" in page  # in the navigation


def test_admins_without_a_report_address_are_sent_where_it_is_set(
    admin_client, staff_client
) -> None:  # type: ignore[no-untyped-def]
    link = '<a href="/settings/integrations/pagerduty/services/">PagerDuty services</a>'
    assert link in admin_client.get("/incidents/report/").content.decode()
    assert link not in staff_client.get("/incidents/report/").content.decode()


def test_a_disconnected_connection_hides_its_report_address(staff_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    pagerduty.report_email = "incidents@acme.test"
    pagerduty.status = "disconnected"
    pagerduty.save()
    assert "incidents@acme.test" not in staff_client.get("/incidents/report/").content.decode()


def test_nothing_syncs_before_the_services_are_chosen(admin_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    from integrations.sync.engine import sync_connection

    response = admin_client.post("/settings/integrations/pagerduty/sync/", follow=True)
    assert "Choose which services count first" in response.content.decode()
    assert pagerduty.started == []
    assert sync_connection(connection_id=pagerduty.pk, trigger="schedule") is None
    assert not pagerduty.sync_runs.exists()


def test_only_report_an_incident_is_the_current_section_on_its_page(staff_client) -> None:  # type: ignore[no-untyped-def]
    page = staff_client.get("/incidents/report/").content.decode()
    assert page.count('aria-current="page"') == 1
    assert 'aria-current="page">Report an incident' in page


def test_the_history_says_when_services_could_not_be_read(admin_client, pagerduty) -> None:  # type: ignore[no-untyped-def]
    from integrations.models import SyncRun

    pagerduty.services_confirmed_at = timezone.now()
    pagerduty.save()
    SyncRun.objects.create(
        connection=pagerduty,
        trigger="schedule",
        kind="incremental",
        outcome="succeeded",
        started_at=timezone.now(),
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        counts={
            "services": {"skipped": "the credentials may not read services"},
            "incidents": {"fetched": 3, "created": 1, "updated": 0, "unchanged": 2, "deleted": 0},
        },
    )
    page = admin_client.get("/settings/integrations/pagerduty/").content.decode()
    assert "Services: not read (the credentials may not read services)" in page


def test_the_catalog_and_dashboard_say_services_are_still_to_choose(
    admin_client, pagerduty
) -> None:  # type: ignore[no-untyped-def]
    label = "Connected: choose services to start syncing"
    assert label in admin_client.get("/settings/integrations/").content.decode()
    assert label in admin_client.get("/").content.decode()
    pagerduty.services_confirmed_at = timezone.now()
    pagerduty.save()
    assert label not in admin_client.get("/settings/integrations/").content.decode()
