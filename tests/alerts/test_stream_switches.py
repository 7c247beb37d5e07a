"""Switching a connection's optional streams (alerts) off and on: the connection page's form,
the wizard's Review step, what syncs and ``manage.py sync`` then read, and what the Data library
says."""

from __future__ import annotations

import io
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from alerts.models import Alert
from audit.display import describe
from integrations.models import Connection
from integrations.providers.opsgenie.provider import PROVIDER as OPSGENIE
from integrations.sync.engine import sync_connection

from .conftest import ALERTS

pytestmark = pytest.mark.django_db

STREAMS = "/settings/integrations/opsgenie/streams/"
REVIEW = "/settings/integrations/opsgenie/connect/"
DETAILS = "/settings/integrations/opsgenie/connect/details/"


def run_sync(connection: Connection, *, full: bool = False) -> Any:
    run = sync_connection(
        connection_id=connection.pk, trigger="schedule", full=full, sleep=lambda s: None
    )
    assert run is not None
    return run


def audit_changes(connection: Connection) -> list[dict[str, tuple[str, str]]]:
    entries = LogEntry.objects.get_for_model(Connection).filter(object_pk=str(connection.pk))
    rows = describe(list(entries.order_by("timestamp", "id").select_related("actor")))
    return [{c.label: (c.before, c.after) for c in row.changes} for row in rows]


def test_an_admin_switches_alerts_off_and_syncs_stop_reading_them(  # type: ignore[no-untyped-def]
    upstream, connection, admin_client: Client
) -> None:
    page = admin_client.get("/settings/integrations/opsgenie/").content.decode()
    assert "What is synced" in page and "An API key with Read access" in page
    assert 'name="on" value="alerts" id="id_on_alerts" checked' in page  # on by default

    others = [s.name for s in OPSGENIE.optional_streams if s.name != "alerts"]
    answer = admin_client.post(STREAMS, {"on": others}, follow=True)  # all but alerts ticked

    assert "Streams saved: Alerts off." in answer.content.decode()
    connection.refresh_from_db()
    assert connection.streams_off == ["alerts"]
    assert audit_changes(connection)[-1]["Streams switched off"] == ("—", "alerts")
    run = run_sync(connection, full=True)
    assert "alerts" not in run.counts and run.counts["incidents"]["created"] == 20
    assert not Alert.objects.exists()
    today = timezone.localdate().strftime("%-d %b %Y")
    library = admin_client.get("/incidents/library/alerts/").content.decode()
    assert "Alerts are switched off for OpsGenie on" in library
    assert f">{today}</time> by alice-admin" in library
    assert "No alerts: their stream is switched off" in library
    assert (
        "Switched off on" in admin_client.get("/settings/integrations/opsgenie/").content.decode()
    )

    admin_client.post(STREAMS, {"on": ["alerts", *others]})  # on again: the next sync reads them

    connection.refresh_from_db()
    assert connection.streams_off == [] and connection.streams_off_since == {}
    assert audit_changes(connection)[-1]["Streams switched off"] == ("alerts", "—")
    assert run_sync(connection).counts["alerts"]["created"] == ALERTS
    assert "switched off" not in admin_client.get("/incidents/library/alerts/").content.decode()


def test_an_auditor_cannot_switch_a_stream_and_incidents_cannot_be_switched_off(  # type: ignore[no-untyped-def]
    connection, admin_client: Client, auditor_client: Client
) -> None:
    before = LogEntry.objects.count()
    assert auditor_client.post(STREAMS, {}).status_code == 403
    page = auditor_client.get("/settings/integrations/opsgenie/").content.decode()
    assert "What is synced" in page and 'name="on"' not in page  # read-only for auditors

    answer = admin_client.post(STREAMS, {"on": ["alerts", "incidents"]}, follow=True)

    assert "The streams were not changed" in answer.content.decode()
    connection.refresh_from_db()
    assert connection.streams_off == [] and LogEntry.objects.count() == before


def test_the_sync_command_reads_every_stream_that_is_on(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("sync", "--connection", str(connection.pk), stdout=out)
    assert f"Alerts: fetched {ALERTS}, created {ALERTS}" in out.getvalue()
    assert Alert.objects.count() == ALERTS

    connection.streams_off = ["alerts"]
    connection.save()
    store = upstream.opsgenie_alerts["us"]
    with store.lock:
        store.alerts.clear()  # a full read now would mark them all deleted
    out = io.StringIO()
    call_command("sync", "--connection", str(connection.pk), "--full", stdout=out)

    assert "Alerts: switched off" in out.getvalue() and "Alerts: fetched" not in out.getvalue()
    assert Alert.objects.filter(deleted_upstream=False).count() == ALERTS


def test_the_review_step_says_what_each_stream_needs_and_its_choice_is_kept(  # type: ignore[no-untyped-def]
    upstream, admin_client: Client, auditor_client: Client, monkeypatch
) -> None:
    monkeypatch.setattr("integrations.tasks.sync_enqueue", lambda **kwargs: "task")
    monkeypatch.setattr("integrations.tasks.sync_schedule_update", lambda *, connection: None)
    review = admin_client.get(REVIEW).content.decode()
    assert "Alerts</label></th>\n            <td>An API key with Read access" in review
    assert (
        "Users and their teams</th>\n            <td>An API key with Configuration access" in review
    )
    assert (
        "Incidents</th>\n            <td>An API key with Read access</td>\n            <td>Always"
        in review
    )
    assert auditor_client.post(REVIEW, {}).status_code == 403

    others = [s.name for s in OPSGENIE.optional_streams if s.name != "alerts"]
    assert admin_client.post(REVIEW, {"on": others}).status_code == 302  # alerts unticked
    assert 'value="alerts" id="id_on_alerts">' in admin_client.get(REVIEW).content.decode()
    admin_client.post(DETAILS, {"api_key": upstream.keys.opsgenie_us, "region": "us"})

    connection = Connection.objects.get()
    assert connection.streams_off == ["alerts"]
    assert connection.streams_off_since["alerts"]["by"] == "alice-admin"
    assert "alerts" not in run_sync(connection, full=True).counts


def test_a_stream_the_review_step_does_not_offer_is_refused_and_said(  # type: ignore[no-untyped-def]
    admin_client: Client,
) -> None:
    page = admin_client.post(REVIEW, {"on": ["alerts", "nonsense"]}).content.decode()
    assert "Pick from the streams listed." in page
    assert "Select a valid choice. nonsense is not one of the available choices." in page
    assert 'value="alerts" id="id_on_alerts" checked' in page  # what was ticked stays ticked
