"""The wizard end to end over real HTTP, against our OpsGenie emulator."""

from __future__ import annotations

import pytest
from django.test import Client

from integrations.models import Connection, ConnectionStatus

DETAILS = "/settings/integrations/opsgenie/connect/details/"
pytestmark = pytest.mark.django_db


def _connect(client: Client, key: str, region: str) -> str:
    return client.post(DETAILS, {"api_key": key, "region": region}, follow=True).content.decode()


def test_the_us_key_connects(admin_client: Client, opsgenie_sandbox) -> None:  # type: ignore[no-untyped-def]
    page = _connect(admin_client, opsgenie_sandbox.keys.opsgenie_us, "us")
    assert "OpsGenie is connected." in page
    assert Connection.objects.get().status == ConnectionStatus.CONNECTED


def test_the_eu_key_connects_in_the_eu_region(admin_client: Client, opsgenie_sandbox) -> None:  # type: ignore[no-untyped-def]
    _connect(admin_client, opsgenie_sandbox.keys.opsgenie_eu, "eu")
    assert Connection.objects.get().region == "eu"


def test_the_eu_key_in_the_us_region_names_eu(admin_client: Client, opsgenie_sandbox) -> None:  # type: ignore[no-untyped-def]
    page = _connect(admin_client, opsgenie_sandbox.keys.opsgenie_eu, "us")
    assert "This key belongs to the EU region — select EU" in page
    assert not Connection.objects.exists()


def test_the_us_key_in_the_eu_region_names_us(admin_client: Client, opsgenie_sandbox) -> None:  # type: ignore[no-untyped-def]
    page = _connect(admin_client, opsgenie_sandbox.keys.opsgenie_us, "eu")
    assert "This key belongs to the US region — select US" in page


def test_an_unknown_key_is_invalid(admin_client: Client, opsgenie_sandbox) -> None:  # type: ignore[no-untyped-def]
    page = _connect(admin_client, "00000000-0000-0000-0000-000000000000", "us")
    assert "Invalid API key" in page
    assert not Connection.objects.exists()


def test_a_key_without_incident_access_is_told_to_fix_permissions(
    admin_client: Client, opsgenie_sandbox
) -> None:  # type: ignore[no-untyped-def]
    page = _connect(admin_client, opsgenie_sandbox.keys.opsgenie_no_incident_access, "us")
    assert "Insufficient permissions: enable read access to incidents" in page


def test_a_plan_without_the_incident_api_is_explained(
    admin_client: Client, opsgenie_sandbox
) -> None:  # type: ignore[no-untyped-def]
    page = _connect(admin_client, opsgenie_sandbox.keys.opsgenie_no_incident_api_plan, "us")
    assert "plan has no Incident API" in page


def test_a_rate_limit_burst_is_retried_through(admin_client: Client, opsgenie_sandbox) -> None:  # type: ignore[no-untyped-def]
    opsgenie_sandbox.faults.set(rate_limit=2, rate_limit_period_seconds=0)
    page = _connect(admin_client, opsgenie_sandbox.keys.opsgenie_us, "us")
    assert "OpsGenie is connected." in page


def test_a_long_outage_saves_nothing(admin_client: Client, opsgenie_sandbox) -> None:  # type: ignore[no-untyped-def]
    opsgenie_sandbox.faults.set(server_errors=10, server_error_status=503)
    page = _connect(admin_client, opsgenie_sandbox.keys.opsgenie_us, "us")
    assert "OpsGenie is not answering, try again" in page
    assert not Connection.objects.exists()


def test_the_connect_command_works_against_the_sandbox(opsgenie_sandbox, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io

    from django.core.management import CommandError, call_command

    monkeypatch.setenv("OPSGENIE_API_KEY", opsgenie_sandbox.keys.opsgenie_eu)
    with pytest.raises(CommandError, match="select EU"):
        call_command("connect", "opsgenie", "--region", "us")
    call_command("connect", "opsgenie", "--region", "eu", stdout=io.StringIO())
    assert Connection.objects.get().region == "eu"
