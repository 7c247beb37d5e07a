"""Every event a channel chose becomes a delivery row in the transaction that caused it; the
send is queued once that transaction commits, and a rollback leaves nothing to send."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from lib.events import Action, Event, EventType, emit, emit_all
from notifications.models import Delivery, DeliveryStatus

from .conftest import make_channel
from .support import failing, recovered

pytestmark = pytest.mark.django_db


def _incident(priority: str) -> Event:
    return Event(
        type=EventType.INCIDENT_NEW,
        alias=f"incident:{priority or 'none'}",
        message=f"New {priority} incident",
        incident_priority=priority,
    )


def test_an_event_becomes_a_pending_delivery_due_now_and_is_queued_on_commit(
    django_capture_on_commit_callbacks, queued
) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel()
    with django_capture_on_commit_callbacks(execute=True):
        emit(failing())
        assert queued == []  # not before the commit
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.status, delivery.action) == (channel, "pending", "open")
    assert delivery.next_attempt_at == delivery.created_at
    assert delivery.payload["alias"] == "check:mfa-enforced"
    assert queued == [delivery.pk]


def test_a_rolled_back_transaction_leaves_no_delivery_and_queues_nothing(
    django_capture_on_commit_callbacks, queued
) -> None:  # type: ignore[no-untyped-def]
    make_channel()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        emit(failing())
        assert Delivery.objects.count() == 1
        raise RuntimeError("the change that caused the event failed")
    assert Delivery.objects.count() == 0
    assert callbacks == [] and queued == []


def test_only_enabled_channels_that_chose_the_type_record_it(queued) -> None:  # type: ignore[no-untyped-def]
    wants = make_channel("Wants checks", event_types=["check_failing"])
    make_channel("Wants incidents", event_types=["incident_new"])
    make_channel("Disabled", event_types=["check_failing"], enabled=False)
    emit(failing())
    assert [d.channel for d in Delivery.objects.all()] == [wants]


def test_check_events_only_for_the_checks_a_channel_follows(queued) -> None:  # type: ignore[no-untyped-def]
    follows_mfa = make_channel("MFA only", check_keys=["mfa-enforced"])
    every_check = make_channel("Every check", check_keys=[])
    emit(failing("mfa-enforced"))
    emit(failing("offboarded-access"))
    sent = sorted((d.channel.name, d.alias) for d in Delivery.objects.all())
    assert sent == [
        (every_check.name, "check:mfa-enforced"),
        (every_check.name, "check:offboarded-access"),
        (follows_mfa.name, "check:mfa-enforced"),
    ]


@pytest.mark.parametrize(
    ("lowest", "sent"),
    [
        ("high", ["high"]),
        ("medium", ["high", "medium"]),
        ("low", ["high", "low", "medium"]),
        ("", ["", "high", "low", "medium"]),
    ],
)
def test_new_incidents_at_or_above_the_channels_lowest_priority(
    queued, lowest: str, sent: list[str]
) -> None:  # type: ignore[no-untyped-def]
    make_channel(min_incident_priority=lowest)
    for priority in ("high", "medium", "low", ""):
        emit(_incident(priority))
    aliases = sorted(Delivery.objects.values_list("alias", flat=True))
    assert aliases == sorted(f"incident:{p or 'none'}" for p in sent)


def test_a_close_is_recorded_only_by_the_channel_that_opened_the_alert(queued) -> None:  # type: ignore[no-untyped-def]
    opener = make_channel("Opener")
    emit(failing())
    Delivery.objects.update(status=DeliveryStatus.DELIVERED)
    latecomer = make_channel("Added after the alert")
    emit(recovered())
    closes = Delivery.objects.filter(action="close")
    assert [d.channel for d in closes] == [opener]
    assert latecomer.deliveries.count() == 0
    assert closes.get().payload == {"source": "EvidenceHub", "note": "Check mfa-enforced recovered"}


def test_a_second_close_is_never_sent(queued) -> None:  # type: ignore[no-untyped-def]
    make_channel()
    emit(failing())
    emit(recovered())
    emit(recovered())
    assert list(Delivery.objects.order_by("pk").values_list("action", flat=True)) == [
        "open",
        "close",
    ]


def test_no_close_for_an_alert_that_was_refused(queued) -> None:  # type: ignore[no-untyped-def]
    make_channel()
    emit(failing())
    Delivery.objects.update(status=DeliveryStatus.STOPPED)
    emit(recovered())
    assert not Delivery.objects.filter(action="close").exists()


def test_a_close_needs_the_channel_to_have_chosen_the_recovery(queued) -> None:  # type: ignore[no-untyped-def]
    make_channel(event_types=["check_failing"])
    emit(failing())
    emit(recovered())
    assert not Delivery.objects.filter(action="close").exists()


def test_a_broker_that_is_down_fails_no_request(
    django_capture_on_commit_callbacks, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    def down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr("notifications.queue.async_task", down)
    make_channel()
    with django_capture_on_commit_callbacks(execute=True):
        emit(failing())
    # The row is there, due: the dispatcher queues it once the commit's claim lapses.
    assert Delivery.objects.get().status == DeliveryStatus.PENDING


def test_an_incident_alert_is_closed_even_after_its_priority_dropped(queued) -> None:  # type: ignore[no-untyped-def]
    channel = make_channel(min_incident_priority="high")
    emit(
        Event(
            type=EventType.INCIDENT_NEW, alias="incident:7", message="New", incident_priority="high"
        )
    )
    Delivery.objects.update(status=DeliveryStatus.DELIVERED)
    # Lowered to Low upstream before it was resolved: the channel still closes what it opened.
    emit(
        Event(
            type=EventType.INCIDENT_NEW,
            alias="incident:7",
            message="Resolved",
            action=Action.CLOSE,
            incident_priority="low",
        )
    )
    assert list(channel.deliveries.order_by("pk").values_list("action", flat=True)) == [
        "open",
        "close",
    ]


def test_events_emitted_together_become_deliveries_in_their_order_reading_the_channels_once(
    django_capture_on_commit_callbacks, queued
) -> None:  # type: ignore[no-untyped-def]
    """A sync page's new incidents: each event, for each channel that wants it, in the order
    the events happened; the enabled channels are read once for the whole page."""
    first = make_channel("First", min_incident_priority="low")
    second = make_channel("Second", min_incident_priority="high")
    events = [_incident("high"), _incident("low"), failing()]
    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as queries,
    ):
        emit_all(events)
    channel_reads = [q for q in queries if 'FROM "notifications_channel"' in q["sql"]]
    assert len(channel_reads) == 1
    made = list(Delivery.objects.order_by("pk").values_list("alias", "channel__name"))
    assert made == [
        ("incident:high", "First"),
        ("incident:high", "Second"),
        ("incident:low", "First"),  # below the second's lowest priority
        ("check:mfa-enforced", "First"),
        ("check:mfa-enforced", "Second"),
    ]
    assert sorted(queued) == sorted(Delivery.objects.values_list("pk", flat=True))
    assert {first.pk, second.pk} == set(Delivery.objects.values_list("channel", flat=True))
