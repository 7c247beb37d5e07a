"""No GET parameter makes a list answer 500: every list and download is walked with values a
person (or a pasted link) can send, a NUL among them, which PostgreSQL refuses in a query (the CI
runs this on PostgreSQL too). Dates and numbers that cannot be used are named, never fatal."""

from __future__ import annotations

import pytest
from django.test import Client

from access.models import CriticalSystem
from tests.conftest import make_connection, make_incident

pytestmark = pytest.mark.django_db

VALUES = [
    "\x00",
    "99999999999999999999999",
    "-1",
    "0",
    "1e9",
    "NaN",
    "9999-12-31",
    "0001-01-01",
    "%",
    "<x>",
    "a" * 5000,
]


def _lists(system: CriticalSystem) -> dict[str, list[str]]:
    return {
        "/incidents/": [
            *("q", "status", "priority", "source", "service", "data_loss", "check"),
            *("counted", "created_from", "created_to", "sort", "order", "page", "after"),
            "before",
        ],
        "/incidents/library/alerts/": [
            *("q", "status", "priority", "acknowledged", "connection", "page", "after"),
        ],
        "/incidents/library/heartbeats/": ["q", "team", "state", "removed", "connection"],
        "/incidents/library/teams/": ["q", "team", "state", "removed", "connection"],
        "/audit-log/": ["who", "object_type", "action", "start", "end", "page"],
        "/access/staff/": ["q", "status", "org_role", "page"],
        f"/access/systems/{system.pk}/": ["q", "category", "page"],
        "/access/reviews/": ["page"],
        "/access/my-reviews/": ["show", "page"],
        "/checks/incident-closed/": ["page"],
        "/settings/integrations/": ["q", "tab"],
        "/settings/integrations/opsgenie/": ["runs_page"],
        "/settings/integrations/opsgenie/sync/history/": ["page"],
    }


def test_no_list_answers_500_whatever_its_parameters(admin_client: Client) -> None:
    connection = make_connection()
    make_incident(connection, 1)
    system = CriticalSystem.objects.create(connection=connection)
    failures = []
    for url, names in _lists(system).items():
        for name in names:
            for value in VALUES:
                status = admin_client.get(url, {name: value}).status_code
                if status >= 500:
                    failures.append((url, name, value[:20], status))
    assert not failures


def test_an_account_search_with_a_nul_lists_what_matches_the_rest(admin_client: Client) -> None:
    from access.store import ACCOUNTS
    from integrations.records import AccountRecord

    connection = make_connection()
    system = CriticalSystem.objects.create(connection=connection)
    ACCOUNTS.save(
        connection=connection,
        records=[AccountRecord(upstream_id="u1", email="ann@example.com", name="Ann", role="User")],
    )
    response = admin_client.get(f"/access/systems/{system.pk}/", {"q": "ann\x00"})
    assert response.status_code == 200 and "ann@example.com" in response.content.decode()
