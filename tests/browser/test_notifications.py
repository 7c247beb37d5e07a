"""Notifications end to end in Chromium against the sandbox's OpsGenie Alert API (issue 13,
item 9): an admin adds a channel and tests it, the sandbox is broken with faults, the deliveries
retry on Wallarm's cycles, the channel disables itself at 60%, and the admin enables it again.

Nothing waits for real time. The send tasks the app queues (django-q2's ``async_task``) are
captured, and the test runs them as the workers and the dispatcher would, at times of its own
clock: ``attempt(id, now=...)`` and ``dispatch_due(now=...)``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

CHANNEL = "On-call sandbox"
GROUPS = ("System related", "Checks", "Incidents", "Access")
ACCEPTED = "Accepted by OpsGenie (HTTP 202)"
# The sandbox's answer to every request while the fault is on: a 5xx, retried on the cycles.
FAULT_STATUS = 503


class Worker:
    """Stands in for django-q2's workers and the dispatcher, on the test's clock."""

    def __init__(self) -> None:
        from django.utils import timezone

        self.queued: list[int] = []
        self.now: datetime = timezone.now()

    def capture(self, func: str, delivery_id: int, **kwargs: Any) -> None:
        self.queued.append(delivery_id)

    def run_queued(self) -> None:
        """Run the send tasks queued so far (at the clock's time, never before real time)."""
        from django.utils import timezone

        from notifications.delivery import attempt

        self.now = max(self.now, timezone.now())
        while self.queued:
            attempt(self.queued.pop(0), now=self.now)

    def tick(self) -> None:
        """Move the clock on to when every open delivery is due, then sweep and send: each open
        delivery gets its next attempt, in step with the others."""
        from django.db.models import Max

        from notifications.models import OPEN_STATUSES, Delivery
        from notifications.queue import dispatch_due

        due = Delivery.objects.filter(status__in=OPEN_STATUSES).aggregate(
            due=Max("next_attempt_at")
        )["due"]
        assert due is not None, "nothing left to send"
        self.now = max(self.now, due)
        assert dispatch_due(now=self.now) > 0
        self.run_queued()


@pytest.fixture
def worker(monkeypatch) -> Worker:  # type: ignore[no-untyped-def]
    worker = Worker()
    monkeypatch.setattr("notifications.queue.async_task", worker.capture)
    # The test alerts' request-status polls would wait between tries: never for real here.
    monkeypatch.setattr("notifications.trial.sleep", lambda seconds: None)
    return worker


def _fill_channel(page: Page, key: str) -> None:
    page.get_by_label("Name").fill(CHANNEL)
    page.get_by_label("API key").fill(key)
    page.get_by_label("US (api.opsgenie.com)").check()


def _expect_accepted(page: Page) -> None:
    results = page.locator("#trial-results li")
    expect(results).to_have_count(len(GROUPS))
    for n, group in enumerate(GROUPS):
        expect(results.nth(n)).to_contain_text(f"{group}: {ACCEPTED}")


def _add_user(page: Page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/settings/users/new/")
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("heading", name=f"{username} was added")).to_be_visible()


def _row(page: Page, username: str) -> Locator:
    return page.locator("tbody tr", has_text=f"User created: {username}")


def _faults(page: Page, sandbox, **settings: object) -> None:  # type: ignore[no-untyped-def]
    """Switch the sandbox's faults over its control API, as a person would with curl."""
    url = sandbox.base_url + "/_sandbox/faults"
    answer = page.request.post(url, data=settings) if settings else page.request.delete(url)
    assert answer.ok, answer.text()


def test_a_channel_is_tested_retries_disables_itself_and_is_enabled_again(  # type: ignore[no-untyped-def]
    logged_in_admin, live_server, opsgenie_sandbox, worker
) -> None:
    from notifications.models import Channel, Delivery
    from notifications.queue import dispatch_due

    page = logged_in_admin
    sandbox = opsgenie_sandbox
    key = sandbox.keys.opsgenie_us_integration

    # 1. The empty state, then Test integration with what is typed: nothing is saved.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Notifications").click()
    expect(page.get_by_text("No channel yet: nothing is sent anywhere.")).to_be_visible()
    page.get_by_role("link", name="Add an OpsGenie channel").click()
    _fill_channel(page, key)
    expect(page.get_by_role("checkbox", name="A check starts failing")).to_be_checked()
    page.get_by_role("button", name="Test integration").click()
    _expect_accepted(page)
    assert (Channel.objects.count(), Delivery.objects.count()) == (0, 0)
    assert key not in page.content()
    _fill_channel(page, key)  # the key is never rendered back: typed again
    page.get_by_role("button", name="Add channel").click()
    expect(page.get_by_text(f"Channel “{CHANNEL}” added.")).to_be_visible()
    channel_url = page.url
    assert re.fullmatch(rf"{live_server.url}/settings/notifications/\d+/", channel_url)
    worker.run_queued()  # its own "channel added" notification

    # 2. Test integration on the saved channel: logged, and the alerts are in the sandbox.
    page.get_by_role("button", name="Test integration").click()
    expect(page.get_by_role("heading", name=f"Test “{CHANNEL}”")).to_be_visible()
    _expect_accepted(page)
    page.get_by_role("link", name="Back to the channel").click()
    tests = page.locator("tbody tr", has_text="[Test message]")
    expect(tests).to_have_count(len(GROUPS))
    for n in range(len(GROUPS)):
        expect(tests.nth(n)).to_contain_text("Delivered (HTTP 202)")
    for delivery in Delivery.objects.filter(is_test=True):
        alert = page.request.get(
            f"{sandbox.opsgenie_url('us')}/v2/alerts/{delivery.alias}?identifierType=alias",
            headers={"Authorization": f"GenieKey {sandbox.keys.opsgenie_us}"},
        )
        assert alert.ok, alert.text()
        assert alert.json()["data"]["message"] == delivery.message
        assert delivery.message.startswith("[Test message]")

    # 3. Real events: one gets through, then the sandbox answers 503 to everything.
    _add_user(page, live_server, "dora-delivered")
    worker.run_queued()
    _faults(page, sandbox, server_errors=1000, server_error_status=FAULT_STATUS)
    failing = ["fred-failed", "gina-failed", "hank-failed"]
    for username in failing:
        _add_user(page, live_server, username)
    worker.run_queued()  # the first sends
    worker.tick()  # the first cycle's first retry, after 1 s
    page.goto(channel_url)
    expect(_row(page, "dora-delivered")).to_contain_text("Delivered (HTTP 202)")
    for username in failing:
        row = _row(page, username)
        expect(row).to_contain_text("Retrying, next try")
        expect(row).to_contain_text(f"(HTTP {FAULT_STATUS})")
        row.get_by_text("2 attempts").click()
        steps = row.locator("details li")
        expect(steps.nth(0)).to_contain_text(f"first send: HTTP {FAULT_STATUS}")
        expect(steps.nth(1)).to_contain_text(f"cycle 1, retry 1 (after 1 s): HTTP {FAULT_STATUS}")
    expect(page.get_by_text("0% failed (0 of 2) in the last 12 hours")).to_be_visible()
    for _ in range(4):  # 3, 5, 10 and 10 s: the first cycle ends without success
        worker.tick()

    # 3 of 5 judged deliveries failed: exactly 60%, and the channel disabled itself.
    page.goto(channel_url)
    expect(page.get_by_role("heading", name="Status: Disabled itself")).to_be_visible()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("This channel disabled itself")
    expect(alert).to_contain_text("3 of its 5 deliveries in the last 12 hours failed (60%")
    for username in failing:
        row = _row(page, username)
        expect(row).to_contain_text(f"Not sent: channel disabled (HTTP {FAULT_STATUS})")
        row.get_by_text("6 attempts").click()
        expect(row.locator("details li").nth(5)).to_contain_text(
            f"cycle 1, retry 5 (after 10 s): HTTP {FAULT_STATUS}"
        )
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(
        page.get_by_role("heading", name=f"Notification channel “{CHANNEL}” disabled itself")
    ).to_be_visible()
    # Its deliveries are over: nothing is due any more, even an hour later.
    assert dispatch_due(now=worker.now + timedelta(hours=1)) == 0

    # 4. The faults cleared, the admin enables the channel: it sends again.
    _faults(page, sandbox)
    page.goto(channel_url)
    page.get_by_role("button", name="Enable").click()
    expect(page.get_by_text(f"Channel “{CHANNEL}” enabled: it sends again.")).to_be_visible()
    expect(page.get_by_role("heading", name="Status: Enabled")).to_be_visible()
    worker.run_queued()  # its "enabled" notification
    page.get_by_role("button", name="Test integration").click()
    _expect_accepted(page)
    page.get_by_role("link", name="Back to the channel").click()
    expect(page.locator("tbody tr", has_text="was enabled by admin-browser")).to_contain_text(
        "Delivered (HTTP 202)"
    )
    expect(page.get_by_text("0% failed (0 of 1) in the last 12 hours")).to_be_visible()
    assert key not in page.content()
