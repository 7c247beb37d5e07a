"""`manage.py notification_channel` for scripts: add prints the id, test prints each answer,
list shows the channels; the key is read from a file and never printed."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import responses
from django.core.management import call_command
from django.core.management.base import CommandError

from lib.events import EventGroup, EventType
from notifications.models import Channel, Delivery

from .conftest import OPSGENIE_KEY, ROUTING_KEY, US

pytestmark = pytest.mark.django_db
REQUEST_ID = "7d1f4c9e-0b3a-4f5e-8c2d-1a9b8e7f6c5d"


def run(*args: str) -> str:
    out = StringIO()
    call_command("notification_channel", *args, stdout=out)
    return out.getvalue()


def key_file(tmp_path: Path, key: str = OPSGENIE_KEY) -> str:
    path = tmp_path / "key"
    path.write_text(key + "\n")
    return str(path)


def test_add_prints_the_new_channels_id_and_stores_only_the_groups_asked_for(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = run(
        "add", "opsgenie", "--name", "SRE", "--endpoint", "eu",
        "--api-key-file", key_file(tmp_path), "--events", "checks,access",
    )  # fmt: skip
    channel = Channel.objects.get()
    assert out.strip() == str(channel.pk)
    assert (channel.endpoint, channel.secret, channel.secret_hint) == ("eu", OPSGENIE_KEY, "c7a9")
    wanted = {t.value for t in EventType if t.group in (EventGroup.CHECKS, EventGroup.ACCESS)}
    assert set(channel.event_types) == wanted
    assert OPSGENIE_KEY not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--events", "checks,weather"], "got weather"),
        (["--endpoint", "jsm", "--name", ""], "Name"),
    ],
)
def test_add_refuses_what_the_page_refuses_and_saves_nothing(tmp_path, args, message) -> None:  # type: ignore[no-untyped-def]
    base = ["add", "opsgenie", "--name", "SRE", "--api-key-file", key_file(tmp_path)]
    with pytest.raises(CommandError, match=message):
        run(*base, *args)
    assert not Channel.objects.exists()


def test_a_pagerduty_channel_needs_a_routing_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="32 letters and digits"):
        run("add", "pagerduty", "--name", "PD", "--api-key-file", key_file(tmp_path))
    run("add", "pagerduty", "--name", "PD", "--api-key-file", key_file(tmp_path, ROUTING_KEY))
    assert Channel.objects.get().kind == "pagerduty"


def test_an_unreadable_key_file_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    missing = str(tmp_path / "nope")
    with pytest.raises(CommandError, match=f"Cannot read {missing}"):
        run("add", "opsgenie", "--name", "SRE", "--api-key-file", missing)


@responses.activate
def test_test_prints_each_answer_and_logs_test_deliveries(tmp_path) -> None:  # type: ignore[no-untyped-def]
    responses.post(f"{US}/v2/alerts", status=202, json={"requestId": REQUEST_ID, "took": 0.1})
    responses.get(
        f"{US}/v2/alerts/requests/{REQUEST_ID}",
        json={"data": {"success": True, "status": "Created alert"}, "took": 0.01},
    )
    pk = run(
        "add", "opsgenie", "--name", "SRE", "--api-key-file", key_file(tmp_path),
        "--events", "system,incidents",
    ).strip()  # fmt: skip
    out = run("test", pk)
    assert "System related: Accepted by OpsGenie (HTTP 202)" in out
    assert "Incidents: Accepted by OpsGenie (HTTP 202)" in out and "Created alert" in out
    assert Delivery.objects.filter(is_test=True).count() == 2


@responses.activate
def test_a_refused_test_exits_non_zero_with_what_to_do(tmp_path) -> None:  # type: ignore[no-untyped-def]
    responses.post(f"{US}/v2/alerts", status=403, json={"message": "use integration key"})
    pk = run(
        "add", "opsgenie", "--name", "SRE", "--api-key-file", key_file(tmp_path),
        "--events", "checks",
    ).strip()  # fmt: skip
    out = StringIO()
    with pytest.raises(CommandError, match="not accepted"):
        call_command("notification_channel", "test", pk, stdout=out)
    assert "HTTP 403" in out.getvalue() and "API integration of a team" in out.getvalue()


def test_list_enable_and_disable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert run("list").strip() == "No notification channel."
    pk = run("add", "opsgenie", "--name", "SRE", "--api-key-file", key_file(tmp_path)).strip()
    assert f"{pk}\tSRE\topsgenie:us\tenabled\tkey …c7a9" in run("list")
    assert "disabled" in run("disable", pk)
    assert not Channel.objects.get().enabled and "\tdisabled\t" in run("list")
    run("enable", pk)
    assert Channel.objects.get().enabled
    with pytest.raises(CommandError, match="No notification channel has the id 999"):
        run("test", "999")
