from __future__ import annotations

import io
from pathlib import Path

import pytest
import responses
from django.core.management import CommandError, call_command

from integrations.models import Connection, ConnectionStatus

US = "https://api.opsgenie.com/v1/incidents"
EU = "https://api.eu.opsgenie.com/v1/incidents"
KEY = "3b9d2f70-1c44-4e0a-9f1b-7c6e5d4a3210"
OK_BODY = {"data": [], "totalCount": 0, "took": 0.01, "requestId": "r"}
UNAUTHORIZED = {"message": "Could not authenticate", "took": 0.0, "requestId": "r"}

pytestmark = pytest.mark.django_db


@responses.activate
def test_it_connects_with_a_key_from_a_file(tmp_path: Path) -> None:
    responses.get(EU, json=OK_BODY)
    key_file = tmp_path / "key"
    key_file.write_text(f"{KEY}\n")
    out = io.StringIO()
    call_command(
        "connect", "opsgenie", "--region", "eu", "--api-key-file", str(key_file), stdout=out
    )
    connection = Connection.objects.get()
    assert (connection.status, connection.region) == (ConnectionStatus.CONNECTED, "eu")
    assert connection.get_credentials() == {"api_key": KEY}
    assert "key ending …3210" in out.getvalue() and KEY not in out.getvalue()


@responses.activate
def test_it_reads_the_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    responses.get(US, json=OK_BODY)
    monkeypatch.setenv("OPSGENIE_API_KEY", KEY)
    call_command("connect", "opsgenie", stdout=io.StringIO())
    assert Connection.objects.get().region == "us"


@responses.activate
def test_it_reads_the_key_from_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    responses.get(US, json=OK_BODY)
    monkeypatch.delenv("OPSGENIE_API_KEY", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(f"  {KEY}  \n"))
    call_command("connect", "opsgenie", "--region", "us", stdout=io.StringIO())
    assert Connection.objects.get().get_credentials() == {"api_key": KEY}


@responses.activate
def test_it_fails_with_the_wizards_message_and_saves_nothing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    responses.get(US, status=401, json=UNAUTHORIZED)
    responses.get(EU, json=OK_BODY)
    monkeypatch.setenv("OPSGENIE_API_KEY", KEY)
    with pytest.raises(CommandError, match="This key belongs to the EU region — select EU"):
        call_command("connect", "opsgenie", "--region", "us")
    assert not Connection.objects.exists()


def test_the_key_cannot_be_given_as_an_argument() -> None:
    with pytest.raises(CommandError):
        call_command("connect", "opsgenie", "--api-key", KEY)


def test_the_process_exits_non_zero_on_failure(tmp_path: Path) -> None:
    import subprocess
    import sys

    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "connect", "opsgenie", "--api-key-file", "/nonexistent"],
        capture_output=True,
        text=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings_test", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode != 0
    assert "Cannot read /nonexistent" in result.stderr


PD_US = "https://api.pagerduty.com/incidents"
PD_EU = "https://api.eu.pagerduty.com/incidents"
PD_KEY = "y_NbAkKc66ryYTWUXYEu"
PD_PAGE = {"incidents": [], "limit": 1, "offset": 0, "more": False, "total": None}


@responses.activate
def test_it_connects_pagerduty_with_chosen_services(monkeypatch: pytest.MonkeyPatch) -> None:
    responses.get(PD_US, json=PD_PAGE)
    monkeypatch.setenv("PAGERDUTY_API_KEY", PD_KEY)
    out = io.StringIO()
    call_command("connect", "pagerduty", "--services", "PB, PA", stdout=out)
    connection = Connection.objects.get(provider="pagerduty")
    assert connection.service_ids == ["PA", "PB"]
    assert connection.services_confirmed_at is not None  # ready to sync, no wizard step left
    assert responses.calls[0].request.headers["Authorization"] == f"Token token={PD_KEY}"
    assert "services PA, PB" in out.getvalue() and PD_KEY not in out.getvalue()


@responses.activate
def test_a_pagerduty_key_of_the_other_region_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    responses.get(PD_US, status=401, json={"error": {"message": "x", "code": 2006}})
    responses.get(PD_EU, json=PD_PAGE)
    monkeypatch.setenv("PAGERDUTY_API_KEY", PD_KEY)
    with pytest.raises(CommandError, match="This key belongs to the EU region"):
        call_command("connect", "pagerduty", stdout=io.StringIO())
    assert not Connection.objects.exists()


def test_services_are_refused_for_opsgenie(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPSGENIE_API_KEY", KEY)
    with pytest.raises(CommandError, match="PagerDuty only"):
        call_command("connect", "opsgenie", "--services", "x", stdout=io.StringIO())
