"""What an alert carries: OpsGenie's limits kept by shortening (never a refused alert), a stable
alias, links back to this site, priorities; PagerDuty's event from the same event."""

from __future__ import annotations

from lib.events import Action, Event, EventType
from notifications.models import Channel
from notifications.payloads import (
    build_payload,
    dedup_key,
    opsgenie_close_body,
    opsgenie_create_body,
    pagerduty_body,
)

from .conftest import ROUTING_KEY


def _channel(kind: str = "opsgenie", **overrides: str) -> Channel:
    # Unsaved, as a form builds it before the test button: payloads need no database.
    return Channel(kind=kind, priority_overrides=overrides, secret=ROUTING_KEY)


def _event(**fields: object) -> Event:
    values: dict[str, object] = {
        "type": EventType.CHECK_FAILING,
        "alias": "check:mfa-enforced",
        "message": "Check “MFA enforced” is failing",
    }
    values.update(fields)
    return Event(**values)  # type: ignore[arg-type]


def test_a_long_message_is_shortened_to_130_characters_with_an_ellipsis() -> None:
    body = opsgenie_create_body(_event(message="x" * 200), _channel())
    assert len(body["message"]) == 130
    assert body["message"] == "x" * 129 + "…"


def test_a_message_of_exactly_130_characters_is_kept_whole() -> None:
    assert opsgenie_create_body(_event(message="y" * 130), _channel())["message"] == "y" * 130


def test_an_empty_message_becomes_the_event_type_never_a_refused_alert() -> None:
    body = opsgenie_create_body(_event(message=" \n "), _channel())
    assert body["message"] == EventType.CHECK_FAILING.label


def test_the_description_is_cut_at_15000_characters() -> None:
    body = opsgenie_create_body(_event(description="d" * 20_000), _channel())
    assert len(body["description"]) == 15_000 and body["description"].endswith("…")


def test_at_most_20_tags_of_at_most_50_characters() -> None:
    tags = tuple(f"tag-{n}-" + "t" * 60 for n in range(30))
    body = opsgenie_create_body(_event(tags=tags), _channel())
    assert len(body["tags"]) == 20
    assert all(len(tag) <= 50 for tag in body["tags"])
    assert body["tags"][:3] == ["EvidenceHub", "checks", "check_failing"]
    assert body["tags"][3] == ("tag-0-" + "t" * 60)[:49] + "…"


def test_the_alias_is_the_subject_and_the_same_for_every_repeat() -> None:
    first = opsgenie_create_body(_event(message="failing since 9:00"), _channel())
    again = opsgenie_create_body(_event(message="still failing at 10:00"), _channel())
    assert first["alias"] == again["alias"] == "check:mfa-enforced"
    assert len(opsgenie_create_body(_event(alias="a" * 600), _channel())["alias"]) == 512


def test_links_point_back_to_this_site(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = "https://evidence.example.com"
    event = _event(links=(("Check", "/checks/mfa-enforced/"),), details={"Failing items": "3"})
    body = opsgenie_create_body(event, _channel())
    assert body["details"] == {
        "Check": "https://evidence.example.com/checks/mfa-enforced/",
        "Failing items": "3",
    }
    assert body["source"] == "EvidenceHub"


def test_the_priority_is_the_types_default_unless_the_channel_overrides_it() -> None:
    assert opsgenie_create_body(_event(), _channel())["priority"] == "P3"
    assert opsgenie_create_body(_event(), _channel(check_failing="P1"))["priority"] == "P1"
    # A stored override that is no priority falls back to the default.
    assert opsgenie_create_body(_event(), _channel(check_failing="urgent"))["priority"] == "P3"


def test_the_entity_names_the_subject() -> None:
    body = opsgenie_create_body(_event(entity="Check MFA enforced"), _channel())
    assert body["entity"] == "Check MFA enforced"


def test_a_close_carries_a_note_and_no_alert_fields() -> None:
    body = build_payload(_event(action=Action.CLOSE, message="Recovered"), _channel())
    assert body == opsgenie_close_body(_event(message="Recovered"))
    assert body == {"source": "EvidenceHub", "note": "Recovered"}


def test_pagerduty_triggers_with_the_alias_as_dedup_key(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = "https://evidence.example.com"
    event = _event(message="m" * 2_000, entity="Check MFA", links=(("Check", "/checks/mfa/"),))
    body = pagerduty_body(event, _channel("pagerduty"))
    assert body["event_action"] == "trigger"
    assert body["dedup_key"] == "check:mfa-enforced"
    assert len(body["payload"]["summary"]) == 1_024
    assert body["payload"]["severity"] == "warning"  # P3
    assert body["payload"]["component"] == "Check MFA"
    assert body["links"] == [{"href": "https://evidence.example.com/checks/mfa/", "text": "Check"}]
    assert "routing_key" not in body and ROUTING_KEY not in str(body)


def test_pagerduty_severity_follows_the_priority() -> None:
    severities = {
        priority: pagerduty_body(_event(), _channel("pagerduty", check_failing=priority))[
            "payload"
        ]["severity"]
        for priority in ("P1", "P2", "P3", "P4", "P5")
    }
    assert severities == {
        "P1": "critical",
        "P2": "error",
        "P3": "warning",
        "P4": "info",
        "P5": "info",
    }


def test_pagerduty_resolves_by_the_same_dedup_key() -> None:
    long_alias = "check:x:" + "i" * 400
    trigger = pagerduty_body(_event(alias=long_alias), _channel("pagerduty"))
    resolve = pagerduty_body(_event(alias=long_alias, action=Action.CLOSE), _channel("pagerduty"))
    assert resolve == {"event_action": "resolve", "dedup_key": trigger["dedup_key"]}
    assert len(trigger["dedup_key"]) <= 255 and trigger["dedup_key"] == dedup_key(long_alias)
