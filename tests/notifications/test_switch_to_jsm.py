"""An OpsGenie channel's one-click switch to Jira Service Management: admins only, with CSRF and
the channel's version; its alerts then reach JSM's integration endpoint with the same key."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.test import Client

from notifications.delivery import attempt
from notifications.models import Channel, DeliveryStatus

from .conftest import make_channel
from .support import delivery_for, failing

pytestmark = pytest.mark.django_db


def _switch(client, channel: Channel, version=None):  # type: ignore[no-untyped-def]
    return client.post(
        f"/settings/notifications/{channel.pk}/switch-to-jsm/",
        {"version": channel.version if version is None else version},
        follow=True,
    )


def test_an_admin_switches_a_channel_and_its_alerts_reach_jsm(
    admin_client, opsgenie_sandbox, settings, clock, queued
) -> None:  # type: ignore[no-untyped-def]
    settings.OPSGENIE_JSM_URL = opsgenie_sandbox.opsgenie_jsm_url()
    channel = make_channel(secret=opsgenie_sandbox.keys.opsgenie_us_integration)
    page = admin_client.get(f"/settings/notifications/{channel.pk}/").content.decode()
    assert "Switch to Jira Service Management" in page and "ends on 5 April 2027" in page
    page = _switch(admin_client, channel).content.decode()
    assert "now sends to Jira Service Management with the same key" in page
    channel.refresh_from_db()
    assert channel.endpoint == "jsm"
    assert channel.secret == opsgenie_sandbox.keys.opsgenie_us_integration
    assert "Switch to Jira Service Management" not in page  # nothing left to switch
    # The audit log says what changed, and who did it.
    entry = LogEntry.objects.get_for_object(channel).latest("timestamp")
    assert entry.actor.username == "alice-admin" and "endpoint" in entry.changes_dict
    delivery = attempt(delivery_for(channel, failing("moved"), clock.now).pk, now=clock.now)
    assert delivery.status == DeliveryStatus.DELIVERED, delivery.last_answer
    assert opsgenie_sandbox.opsgenie_alerts["jsm"].find("check:moved", "alias") is not None


def test_an_auditor_cannot_switch_and_nothing_changes(auditor_client) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    assert _switch(auditor_client, channel).status_code == 403
    channel.refresh_from_db()
    assert channel.endpoint == "us"
    assert (
        "Switch to Jira Service Management"
        not in auditor_client.get(f"/settings/notifications/{channel.pk}/").content.decode()
    )


def test_the_switch_needs_the_csrf_token(admin_user) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(f"/settings/notifications/{channel.pk}/switch-to-jsm/").status_code == 403
    channel.refresh_from_db()
    assert channel.endpoint == "us"


@pytest.mark.parametrize("version", ["", "x", "7", "99999999999999999999"])
def test_a_stale_or_bad_page_changes_nothing(admin_client, version) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel(endpoint="eu")
    page = _switch(admin_client, channel, version=version).content.decode()
    assert "Nothing was changed." in page
    channel.refresh_from_db()
    assert channel.endpoint == "eu"


def test_a_pagerduty_or_jsm_channel_has_nothing_to_switch(admin_client) -> None:  # type: ignore[no-untyped-def]
    for channel in (
        make_channel("PD", kind="pagerduty", secret="a1b2c3d4e5f60718293a4b5c6d7e8f90"),
        make_channel("JSM", endpoint="jsm"),
    ):
        before = channel.endpoint
        page = _switch(admin_client, channel).content.decode()
        assert "Only a channel sending to OpsGenie" in page
        channel.refresh_from_db()
        assert channel.endpoint == before
