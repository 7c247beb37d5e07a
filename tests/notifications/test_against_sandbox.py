"""Against the sandbox's OpsGenie Alert API and PagerDuty Events API: an alert a failing check
opens is closed by alias when the check recovers; a key of the other region is named."""

from __future__ import annotations

import pytest

from notifications.delivery import attempt
from notifications.models import DeliveryStatus

from .conftest import make_channel
from .support import delivery_for, failing, recovered

pytestmark = pytest.mark.django_db

# A check's item: its alias holds a "/" and a space, which must reach OpsGenie as one segment.
CHECK = "offboarded-access/carol smith"


def test_a_failing_check_opens_an_alert_and_its_recovery_closes_it(
    opsgenie_sandbox, settings, clock, queued
) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = "https://evidence.example.com"
    alerts = opsgenie_sandbox.opsgenie_alerts["us"]
    channel = make_channel(secret=opsgenie_sandbox.keys.opsgenie_us_integration)

    opened = attempt(delivery_for(channel, failing(CHECK), clock.now).pk, now=clock.now)
    assert opened.status == DeliveryStatus.DELIVERED, opened.last_answer
    alert = alerts.find(f"check:{CHECK}", "alias")
    assert alert is not None and alert["message"] == f"Check {CHECK} is failing"
    assert alert["source"] == "EvidenceHub" and alert["priority"] == "P3"
    assert opened.request_id in alerts.requests

    closed = attempt(delivery_for(channel, recovered(CHECK), clock.now).pk, now=clock.now)
    assert closed.status == DeliveryStatus.DELIVERED, closed.last_answer
    assert alerts.find(f"check:{CHECK}", "alias") is None
    assert alerts.find(alert["id"], "id")["status"] == "closed"
    assert alerts.request(closed.request_id)["status"] != "Alert does not exist"


def test_jsm_receives_the_same_alert(opsgenie_sandbox, settings, clock, queued) -> None:  # type: ignore[no-untyped-def]
    settings.OPSGENIE_JSM_URL = opsgenie_sandbox.opsgenie_jsm_url()
    channel = make_channel(endpoint="jsm", secret=opsgenie_sandbox.keys.opsgenie_jsm_integration)
    delivery = attempt(delivery_for(channel, failing("jsm-check"), clock.now).pk, now=clock.now)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert opsgenie_sandbox.opsgenie_alerts["jsm"].find("check:jsm-check", "alias") is not None


def test_a_key_of_the_other_region_is_named_as_such(opsgenie_sandbox, clock, queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel(secret=opsgenie_sandbox.keys.opsgenie_eu_integration)
    delivery = attempt(delivery_for(channel, failing("eu-key"), clock.now).pk, now=clock.now)
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.STOPPED, 401)
    channel.refresh_from_db()
    assert "EU region" in channel.last_error_action


def test_an_account_key_is_refused_with_what_to_use_instead(
    opsgenie_sandbox, clock, queued
) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel(secret=opsgenie_sandbox.keys.opsgenie_us)
    delivery = attempt(delivery_for(channel, failing("account-key"), clock.now).pk, now=clock.now)
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.STOPPED, 403)
    channel.refresh_from_db()
    assert "not an account key" in channel.last_error_action


def test_faults_are_retried_on_the_cycle_then_delivered(opsgenie_sandbox, clock, queued) -> None:  # type: ignore[no-untyped-def]
    opsgenie_sandbox.faults.set(rate_limit=1, server_errors=1, server_error_status=502)
    channel = make_channel(secret=opsgenie_sandbox.keys.opsgenie_us_integration)
    delivery = delivery_for(channel, failing("flaky"), clock.now)
    codes = []
    while delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING):
        delivery = attempt(delivery.pk, now=delivery.next_attempt_at)
        codes.append(delivery.last_status_code)
    assert codes == [429, 502, 202] and delivery.status == DeliveryStatus.DELIVERED


def test_pagerduty_triggers_then_resolves(sandbox, settings, clock, queued) -> None:  # type: ignore[no-untyped-def]
    settings.PAGERDUTY_EVENTS_URLS = {"us": sandbox.pagerduty_events_url("us")}
    channel = make_channel(
        kind="pagerduty", secret=sandbox.keys.pagerduty_us_routing_key, name="PagerDuty"
    )
    for event in (failing("pd-check"), recovered("pd-check")):
        delivery = attempt(delivery_for(channel, event, clock.now).pk, now=clock.now)
        assert delivery.status == DeliveryStatus.DELIVERED, delivery.last_answer
    alerts = sandbox.pagerduty_events["us"].snapshot()["alerts"]
    assert [
        (a["dedup_key"], a["status"]) for a in alerts if a["dedup_key"] == "check:pd-check"
    ] == [("check:pd-check", "resolved")]
