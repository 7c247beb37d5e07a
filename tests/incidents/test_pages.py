from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import Incident
from integrations.models import Connection
from tests.conftest import make_incident

pytestmark = pytest.mark.django_db


def _incident(connection: Connection, n: int, **fields) -> Incident:  # type: ignore[no-untyped-def]
    values = {
        "title": f"Incident {n}",
        "status": "open",
        "priority": "high",
        "raw_priority": "P1",
        "raw_status": "open",
        "created_at": timezone.now() - timedelta(hours=n),
        **fields,
    }
    return make_incident(connection, n, **values)


def test_the_list_is_newest_first_with_status_priority_and_source(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    _incident(connection, 2, status="resolved", priority="low")
    _incident(connection, 1)
    page = staff_client.get("/incidents/").content.decode()
    assert page.index("#1 Incident 1") < page.index("#2 Incident 2")
    assert "Resolved" in page and "Low" in page and "OpsGenie" in page
    assert "Reported on" in page


def test_the_list_paginates(auditor_client, connection) -> None:  # type: ignore[no-untyped-def]
    for n in range(1, 56):
        _incident(connection, n)
    first = auditor_client.get("/incidents/").content.decode()
    assert "Page 1 of 2" in first and "#50 Incident 50" in first and "#51 " not in first
    second = auditor_client.get("/incidents/?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert "#55 Incident 55" in second and "<html" not in second


def test_upstream_text_is_escaped(admin_client, connection) -> None:  # type: ignore[no-untyped-def]
    incident = _incident(
        connection, 1, title="<script>alert(1)</script>", description="<img src=x onerror=alert(2)>"
    )
    for url in ("/incidents/", f"/incidents/{incident.pk}/"):
        page = admin_client.get(url).content.decode()
        assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
        assert "<img src=x" not in page


def test_the_detail_page_shows_every_canonical_field(auditor_client, connection) -> None:  # type: ignore[no-untyped-def]
    incident = _incident(
        connection,
        7,
        status="resolved",
        raw_status="resolved",
        priority="medium",
        raw_priority="P3",
        impact_start=timezone.now() - timedelta(hours=8),
        impact_end=timezone.now() - timedelta(hours=6),
        resolved_at=timezone.now() - timedelta(hours=6),
        services=["checkout"],
        upstream_url="https://acme.app.opsgenie.com/incident/detail/id-7",
        description="Root cause: disk",
    )
    page = auditor_client.get(f"/incidents/{incident.pk}/").content.decode()
    for text in (
        "#7 Incident 7",
        "Medium",
        "P3",
        "Resolved",
        "checkout",
        "Impact start",
        "Impact end",
        "id-7",
        "Root cause: disk",
        'href="https://acme.app.opsgenie.com/incident/detail/id-7"',
    ):
        assert text in page, text


def test_an_empty_list_says_how_incidents_arrive(admin_client) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get("/incidents/").content.decode()
    assert "No incidents yet." in page and "Connect one" in page


def test_a_deleted_upstream_incident_is_kept_and_labelled(staff_client, connection) -> None:  # type: ignore[no-untyped-def]
    incident = _incident(connection, 3, deleted_upstream=True, deleted_upstream_at=timezone.now())
    assert "Deleted upstream" in staff_client.get("/incidents/").content.decode()
    assert (
        "The evidence is kept here."
        in staff_client.get(f"/incidents/{incident.pk}/").content.decode()
    )


def test_changes_use_field_labels_and_the_app_s_date_format(auditor_client, connection) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from incidents.models import IncidentChange

    incident = _incident(connection, 9, status="resolved")
    IncidentChange.objects.create(
        incident=incident,
        at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC),
        field="impact_end",
        before="",
        after="2026-12-02T01:00:00.019000+00:00",
    )
    page = auditor_client.get(f"/incidents/{incident.pk}/").content.decode()
    assert "<td>Impact end</td>" in page and "Impact_end" not in page
    assert "2 Dec 2026, 01:00:00 UTC" in page
    assert "2026-12-02T01:00:00.019000+00:00" not in page
