"""The stream is offered where admins choose streams: the connection page's "What is synced"
card of both providers, on by default, with what it needs from the credentials; switched off
there, the next sync does not read it."""

from __future__ import annotations

import pytest
from django.test import Client

from integrations.models import Connection
from integrations.providers.registry import get_provider
from tests.incident_details.conftest import run_sync

pytestmark = pytest.mark.django_db
NEEDS = {"opsgenie": "An API key with Read access", "pagerduty": "The incidents.read scope"}
LABELS = {
    "opsgenie": "Incident notes, logs and timeline",
    "pagerduty": "Incident notes and log entries",
}


@pytest.mark.parametrize("provider", ["opsgenie", "pagerduty"])
def test_the_connection_page_offers_it_and_switching_it_off_stops_its_reads(
    request, upstream, provider: str, admin_client: Client, auditor_client: Client
) -> None:  # type: ignore[no-untyped-def]
    connection: Connection = request.getfixturevalue(provider)
    url = f"/settings/integrations/{provider}/"
    page = admin_client.get(url).content.decode()
    assert 'name="on" value="incident_details" id="id_on_incident_details" checked' in page
    assert LABELS[provider] in page and NEEDS[provider] in page
    others = [
        s.name for s in get_provider(provider).optional_streams if s.name != "incident_details"
    ]

    assert auditor_client.post(f"{url}streams/", {"on": others}).status_code == 403
    connection.refresh_from_db()
    assert connection.streams_off == []

    admin_client.post(f"{url}streams/", {"on": others})
    connection.refresh_from_db()
    assert connection.streams_off == ["incident_details"]
    run = run_sync(connection)
    assert "incident_details" not in run.counts and run.counts["incidents"]["created"] == 30
