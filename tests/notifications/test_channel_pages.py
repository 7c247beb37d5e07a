"""Settings → Notifications as people use it: add a channel, test it before and after saving,
read its log; auditors read and change nothing; the key is never shown."""

from __future__ import annotations

import re

import pytest
import responses
from django.db import connection as db

from lib.events import EventType
from notifications.models import Channel, Delivery

pytestmark = pytest.mark.django_db

US = "https://api.opsgenie.com"
EU = "https://api.eu.opsgenie.com"
KEY = "0b5e1f0e-7c55-4c6b-9a51-3f6d2b8e1c7a"
REQUEST_ID = "43a29c5c-3dbf-4fa4-9c26-f4f71023e120"
ADD = "/settings/notifications/add/opsgenie/"


def form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "SRE on-call",
        "secret": KEY,
        "endpoint": "us",
        "event_types": [EventType.CHECK_FAILING.value, EventType.CHECK_RECOVERED.value],
        "min_incident_priority": "high",
    }
    data.update(overrides)
    return data


def accepted(mock: responses.RequestsMock, base: str = US) -> None:
    mock.post(
        f"{base}/v2/alerts",
        status=202,
        json={"result": "Request will be processed", "took": 0.1, "requestId": REQUEST_ID},
    )
    mock.get(
        f"{base}/v2/alerts/requests/{REQUEST_ID}",
        json={
            "data": {"success": True, "action": "Create", "status": "Created alert"},
            "took": 0.01,
            "requestId": "x",
        },
    )


def test_an_admin_adds_a_channel_whose_key_is_stored_encrypted_and_never_shown(
    admin_client,
) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(ADD, form())
    channel = Channel.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/settings/notifications/{channel.pk}/"
    )
    assert channel.secret == KEY and channel.secret_hint == KEY[-4:]
    with db.cursor() as cursor:
        cursor.execute("SELECT secret FROM notifications_channel")
        (stored,) = cursor.fetchone()
    assert KEY not in stored
    for url in (
        "/settings/notifications/",
        f"/settings/notifications/{channel.pk}/",
        f"/settings/notifications/{channel.pk}/edit/",
    ):
        page = admin_client.get(url).content.decode()
        assert KEY not in page and KEY[:8] not in page
    assert (
        f"ends with {KEY[-4:]}"
        in admin_client.get(f"/settings/notifications/{channel.pk}/").content.decode()
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"secret": ""}, "Paste the key this channel sends with."),
        ({"secret": "not a key"}, "without spaces"),
        ({"secret": "clé-ünïcode-ключ"}, "without spaces"),
        ({"secret": "abc123"}, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"),
        ({"event_types": []}, "Choose at least one event to send."),
        ({"endpoint": "mars"}, "Select a valid choice"),
        ({"name": "   "}, "This field is required."),
        ({"priority_check_failing": "P9"}, "Select a valid choice"),
    ],
)
def test_a_refused_channel_says_why_and_saves_nothing(admin_client, overrides, message) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(ADD, form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Channel.objects.exists()


def test_two_channels_cannot_share_a_name(admin_client) -> None:  # type: ignore[no-untyped-def]
    admin_client.post(ADD, form())
    response = admin_client.post(ADD, form(secret="1b5e1f0e-7c55-4c6b-9a51-3f6d2b8e1c7a"))
    assert response.status_code == 400 and "already exists" in response.content.decode()
    assert Channel.objects.count() == 1


def test_auditors_read_channels_and_change_nothing(
    admin_client, auditor_client, staff_client
) -> None:  # type: ignore[no-untyped-def]
    admin_client.post(ADD, form())
    channel = Channel.objects.get()
    base = f"/settings/notifications/{channel.pk}/"
    assert auditor_client.get("/settings/notifications/").status_code == 200
    assert auditor_client.get(base).status_code == 200
    assert staff_client.get(base).status_code == 403
    for url, data in (
        (ADD, form(name="Other")),
        (base + "edit/", form(name="Renamed")),
        (base + "enabled/", {"enabled": "0"}),
        (base + "delete/", {}),
        (base + "test/", {}),
    ):
        assert auditor_client.post(url, data).status_code == 403
    channel.refresh_from_db()
    assert (channel.name, channel.enabled, Channel.objects.count()) == ("SRE on-call", True, 1)
    assert not Delivery.objects.exists()
    assert (
        "Add an OpsGenie channel"
        not in auditor_client.get("/settings/notifications/").content.decode()
    )


@responses.activate
def test_testing_before_saving_shows_opsgenies_answer_and_saves_nothing(admin_client) -> None:  # type: ignore[no-untyped-def]
    accepted(responses.mock)
    page = admin_client.post(ADD, {**form(), "test": "1"}).content.decode()
    assert "Accepted by OpsGenie (HTTP 202)" in page and "Created alert" in page
    assert not Channel.objects.exists() and not Delivery.objects.exists()
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == f"GenieKey {KEY}"
    assert b"[Test message]" in sent.body


@responses.activate
def test_a_key_of_the_other_region_is_named(admin_client) -> None:  # type: ignore[no-untyped-def]
    responses.post(f"{US}/v2/alerts", status=401, json={"message": "Key format is not valid!"})
    # The EU region knows the key: asking it for an unknown request answers 404, not 401.
    responses.get(
        re.compile(rf"{EU}/v2/alerts/requests/.*"),
        status=404,
        json={"message": "Request not found"},
    )
    page = admin_client.post(ADD, {**form(), "test": "1"}).content.decode()
    assert "Refused by OpsGenie (HTTP 401)" in page
    assert (
        "belongs to OpsGenie&#x27;s EU region" in page or "belongs to OpsGenie's EU region" in page
    )


@responses.activate
def test_an_account_key_is_told_to_use_an_api_integration(admin_client) -> None:  # type: ignore[no-untyped-def]
    responses.post(
        f"{US}/v2/alerts",
        status=403,
        json={"message": "You are not authorized for this operation, use integration key"},
    )
    page = admin_client.post(ADD, {**form(), "test": "1"}).content.decode()
    assert "Refused by OpsGenie (HTTP 403)" in page and "API integration of a team" in page


@responses.activate
def test_a_422_shows_opsgenies_own_message(admin_client) -> None:  # type: ignore[no-untyped-def]
    responses.post(
        f"{US}/v2/alerts",
        status=422,
        json={
            "message": "Request body is not processable. Please check the errors.",
            "errors": {"message": "Message can not be empty."},
        },
    )
    page = admin_client.post(ADD, {**form(), "test": "1"}).content.decode()
    assert "HTTP 422" in page and "message: Message can not be empty." in page


@responses.activate
def test_testing_a_saved_channel_logs_one_test_delivery_per_group(admin_client) -> None:  # type: ignore[no-untyped-def]
    events = [EventType.CHECK_FAILING.value, EventType.USER_CREATED.value]
    admin_client.post(ADD, form(event_types=events))
    channel = Channel.objects.get()
    accepted(responses.mock)
    page = admin_client.post(f"/settings/notifications/{channel.pk}/test/").content.decode()
    assert page.count("Accepted by OpsGenie (HTTP 202)") == 2
    tests = Delivery.objects.filter(channel=channel, is_test=True)
    assert tests.count() == 2 and all(d.message.startswith("[Test message]") for d in tests)
    assert {d.status for d in tests} == {"delivered"}
    log = admin_client.get(
        f"/settings/notifications/{channel.pk}/?event_type=test"
    ).content.decode()
    assert log.count("[Test message]") == 2
    delivery = tests.first()
    detail = admin_client.get(f"/settings/notifications/{channel.pk}/deliveries/{delivery.pk}/")
    assert "Payload as sent" in detail.content.decode() and KEY not in detail.content.decode()


def test_an_unknown_log_filter_is_refused_with_a_message(admin_client) -> None:  # type: ignore[no-untyped-def]
    admin_client.post(ADD, form())
    channel = Channel.objects.get()
    response = admin_client.get(f"/settings/notifications/{channel.pk}/?status=exploded")
    assert response.status_code == 200
    assert "This filter is not one the log knows" in response.content.decode()


def test_an_admin_disables_enables_and_deletes_a_channel(admin_client) -> None:  # type: ignore[no-untyped-def]
    admin_client.post(ADD, form())
    channel = Channel.objects.get()
    base = f"/settings/notifications/{channel.pk}/"
    admin_client.post(base + "enabled/", {"enabled": "0"})
    channel.refresh_from_db()
    assert not channel.enabled and not channel.disabled_automatically
    assert "Disabled by alice-admin" in admin_client.get(base).content.decode()
    assert "is disabled" in admin_client.get("/").content.decode()
    admin_client.post(base + "enabled/", {"enabled": "1"})
    channel.refresh_from_db()
    assert channel.enabled
    assert "Delete “SRE on-call”?" in admin_client.get(base + "delete/").content.decode()
    response = admin_client.post(base + "delete/")
    assert response.status_code == 302 and not Channel.objects.exists()


def test_an_unknown_channel_type_is_404(admin_client) -> None:  # type: ignore[no-untyped-def]
    assert admin_client.get("/settings/notifications/add/slack/").status_code == 404


def test_a_new_channel_starts_with_every_event_ticked(admin_client) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.get(ADD).content.decode()
    box = r'<input type="checkbox" name="event_types" value="(\w+)"[^>]* checked'
    ticked = re.findall(box, page)
    assert ticked == [t.value for t in EventType]


def test_the_log_names_each_attempt_as_the_retry_cycles_do(admin_client) -> None:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from notifications.models import Attempt

    from .conftest import make_channel

    channel, now = make_channel(), timezone.now()
    delivery = Delivery.objects.create(
        channel=channel, event_type="check_failing", alias="check:x", created_at=now
    )
    for cycle, step in ((0, 0), (1, 0), (3, 5)):
        Attempt.objects.create(delivery=delivery, at=now, cycle=cycle, step=step, status_code=503)
    names = ["first send", "cycle 1, retry 1 (after 1 s)", "cycle 3, retry 6 (after 30 min)"]
    for url in (
        f"/settings/notifications/{channel.pk}/",
        f"/settings/notifications/{channel.pk}/deliveries/{delivery.pk}/",
    ):
        page = admin_client.get(url).content.decode()
        assert all(name in page for name in names), url
        assert "cycle 4" not in page and "cycle 2" not in page
