"""Every refused form says why (STYLE 14): errors that were computed but not rendered answered 200,
saved nothing and said nothing. Each form's template shows the shared summary of all its errors
(templates/includes/form_errors.html); the forms that were silent are tried one by one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from access.models import Account, AccountMapping, CriticalSystem, OrgRole
from access.store import ACCOUNTS
from incidents.models import DataLossReport
from integrations.models import Connection
from integrations.records import AccountRecord
from tests.conftest import PASSWORD, make_connection, make_incident

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = "includes/form_errors.html"
# Each field with its own errors; a page including it renders a form, held to the summary too.
FIELDS = "includes/form_fields.html"
# GET filter forms (drawn by FILTER_FORM): a value they cannot use is dropped and listed as
# "ignored" above the table (IGNORED).
FILTER_FORM = "includes/filter_form.html"
IGNORED = "includes/filters_ignored.html"
FILTER_FORMS = {
    "templates/incidents/list.html",
    "templates/access/staff/list.html",
    "templates/alerts/list.html",
    "templates/library/list.html",
}


def _templates() -> list[Path]:
    return sorted(
        [
            *ROOT.glob("templates/**/*.html"),
            *ROOT.glob("integrations/providers/*/templates/**/*.html"),
        ]
    )


def _renders_a_form(text: str) -> bool:
    return FIELDS in text or bool(
        re.search(r"\{\{\s*form\.|\{%\s*for \w+ in form\b|form\.errors", text)
    )


def test_every_template_that_renders_a_form_shows_all_its_errors() -> None:
    missing = []
    for path in _templates():
        name, text = str(path.relative_to(ROOT)), path.read_text()
        if name.endswith((SUMMARY, FIELDS, FILTER_FORM)):
            continue
        if name in FILTER_FORMS or FILTER_FORM in text:
            assert name in FILTER_FORMS and FILTER_FORM in text and IGNORED in text, name
        elif not _renders_a_form(text):
            continue
        elif SUMMARY not in text:
            missing.append(name)
    assert not missing, f"forms whose errors may go unsaid: {missing}"
    assert "{% for label, message in ignored %}" in (ROOT / "templates" / IGNORED).read_text()


@pytest.mark.parametrize("field", ["username", "password"])
def test_a_login_without_a_field_says_which_and_logs_nobody_in(
    client: Client, admin_user, field: str
) -> None:  # type: ignore[no-untyped-def]
    """The browser's ``required`` stops most, not a password manager's or a script's POST."""
    data = {"username": admin_user.username, "password": PASSWORD, field: ""}
    response = client.post("/login/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "You are not logged in." in page
    assert f"{field.capitalize()}: This field is required." in page
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_still_says_so(client: Client, admin_user) -> None:  # type: ignore[no-untyped-def]
    page = client.post("/login/", {"username": admin_user.username, "password": "no"})
    assert "Please enter a correct username and password." in page.content.decode()


def test_an_unknown_scope_of_pagerduty_services_is_named(admin_client: Client) -> None:
    connection = make_connection(provider="pagerduty")
    before = list(Connection.objects.values_list("service_ids", "report_email"))
    response = admin_client.post(
        "/settings/integrations/pagerduty/services/",
        {"scope": "everything", "report_email": "report@example.com"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert "Incidents of: Select a valid choice. everything is not one of the available" in page
    assert list(Connection.objects.values_list("service_ids", "report_email")) == before
    assert connection.services.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reference_notes", "Ticket\x00 42", "Reference notes: Null characters are not allowed."),
        ("categories", ["health", "gossip"], "Data categories: Select a valid choice. gossip"),
    ],
)
def test_a_data_loss_report_names_every_refused_field(
    staff_client: Client, field: str, value: object, message: str
) -> None:
    incident = make_incident(make_connection(), 1)
    data = {"data_lost": "yes", "what_happened": "Bucket public", field: value}
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = staff_client.post(f"/incidents/{incident.pk}/data-loss/", data, **headers)
        assert response.status_code == 200
        page = response.content.decode()
        assert "The report was not saved" in page and message in page
        assert "Bucket public" in page  # what was typed is kept
    assert not DataLossReport.objects.exists()


@pytest.fixture
def system():  # type: ignore[no-untyped-def]
    connection = make_connection()
    ACCOUNTS.save(
        connection=connection,
        records=[AccountRecord(upstream_id="u1", email="a@example.com", name="A", role="User")],
    )
    return CriticalSystem.objects.create(connection=connection)


def test_an_unknown_mapping_kind_is_named(admin_client: Client, system) -> None:  # type: ignore[no-untyped-def]
    account = Account.objects.get()
    before = list(AccountMapping.objects.values_list("kind", "staff_id", "reason"))
    response = admin_client.post(f"/access/accounts/{account.pk}/", {"kind": "robot"})
    page = response.content.decode()
    assert "This account belongs to: Select a valid choice. robot is not one of" in page
    assert list(AccountMapping.objects.values_list("kind", "staff_id", "reason")) == before


def test_an_unknown_upstream_role_of_a_rule_is_named(admin_client: Client, system) -> None:  # type: ignore[no-untyped-def]
    role = OrgRole.objects.create(name="SRE")
    response = admin_client.post(
        f"/access/systems/{system.pk}/",
        {"access_type": "role_based", f"role_{role.pk}": "on", f"upstream_{role.pk}": ["God"]},
    )
    page = response.content.decode()
    assert "Upstream roles SRE may hold: Select a valid choice. God is not one of" in page
    system.refresh_from_db()
    assert system.access_type == "" and not system.allowed.exists()
