"""The Audit log page: admins and auditors read it, newest first, filtered and paginated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.test import Client
from django.utils import timezone

from audit.selectors import PER_PAGE
from tests.conftest import make_connection

pytestmark = pytest.mark.django_db

URL = "/audit-log/"


@pytest.fixture
def history(admin_user):  # type: ignore[no-untyped-def]
    """An integration connected by the worker (System), then its frequency changed by Alice."""
    connection = make_connection()
    with set_actor(admin_user):
        connection.sync_interval_minutes = 120
        connection.save()
    return connection


def test_an_auditor_reads_the_log_newest_first_with_labels(auditor_client, history) -> None:  # type: ignore[no-untyped-def]
    page = auditor_client.get(URL).content.decode()
    assert "<h1>Audit log</h1>" in page
    changed, connected = page.index("Sync frequency (minutes)"), page.index("Connected</td>")
    assert changed < connected  # newest first
    assert "<td>alice-admin</td>" in page and "<td>System</td>" in page
    assert "60 → 120" in page
    # The app's date format, in the site's time zone.
    assert timezone.localtime().strftime("%Y") in page and " UTC</time>" in page
    assert 'href="/audit-log/" aria-current="page">Audit log</a>' in page


def test_the_nav_offers_the_log_to_admins_and_auditors_only(
    admin_client, auditor_client, staff_client
) -> None:  # type: ignore[no-untyped-def]
    for client in (admin_client, auditor_client):
        assert ">Audit log</a>" in client.get("/").content.decode()
    assert ">Audit log</a>" not in staff_client.get("/").content.decode()


def test_staff_get_403_and_anonymous_users_go_to_login(staff_client, history) -> None:  # type: ignore[no-untyped-def]
    assert staff_client.get(URL).status_code == 403
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_filters_by_who_what_action_and_dates(auditor_client, history, admin_user) -> None:  # type: ignore[no-untyped-def]
    by_alice = auditor_client.get(URL, {"who": admin_user.pk}).content.decode()
    assert "Sync frequency (minutes)" in by_alice and "<td>System</td>" not in by_alice
    by_system = auditor_client.get(URL, {"who": "system"}).content.decode()
    assert "<td>System</td>" in by_system and "<td>alice-admin</td>" not in by_system
    created = auditor_client.get(URL, {"action": "created"}).content.decode()
    assert "Connected</td>" in created and "60 → 120" not in created
    policy_type = next(
        value
        for value, label in auditor_client.get(URL).context["form"].fields["object_type"].choices
        if label == "Incident policy"
    )
    nothing = auditor_client.get(URL, {"object_type": policy_type}).content.decode()
    assert "No entries match these filters." in nothing
    today = timezone.localdate()
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert "No entries match" in auditor_client.get(URL, {"start": tomorrow}).content.decode()
    assert "alice-admin" in auditor_client.get(URL, {"end": today.isoformat()}).content.decode()


def test_a_reversed_date_range_says_so(auditor_client, history) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    page = auditor_client.get(
        URL, {"start": today.isoformat(), "end": (today - timedelta(days=3)).isoformat()}
    ).content.decode()
    assert "The end date is before the start date" in page
    assert "Sync frequency" not in page


def test_htmx_gets_only_the_table(auditor_client, history) -> None:  # type: ignore[no-untyped-def]
    fragment = auditor_client.get(URL, {"who": "system"}, HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert text.lstrip().startswith('<div id="audit-table">') and "<h1>" not in text


def test_pages_of_entries(auditor_client, admin_user) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection()
    with set_actor(admin_user):
        for minutes in range(1, PER_PAGE + 6):
            connection.report_email = f"r{minutes}@example.com"
            connection.save()
    first = auditor_client.get(URL).content.decode()
    assert f"r{PER_PAGE + 5}@example.com" in first and "Page 1 of 2" in first
    second = auditor_client.get(URL, {"page": 2}).content.decode()
    assert "Connected</td>" in second and f"r{PER_PAGE + 5}@example.com" not in second


def test_upstream_and_user_text_is_escaped(auditor_client, admin_user) -> None:  # type: ignore[no-untyped-def]
    connection = make_connection(provider="pagerduty")
    with set_actor(admin_user):
        connection.account_name = "<script>alert(1)</script>"
        connection.save()
    page = auditor_client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_empty_log_says_what_will_appear(auditor_client) -> None:  # type: ignore[no-untyped-def]
    LogEntry.objects.all().delete()  # the fixture users' own creation
    page = auditor_client.get(URL).content.decode()
    assert "Nothing has been recorded yet." in page
