"""The PagerDuty source against our PagerDuty emulator over real HTTP."""

from __future__ import annotations

import pytest

from integrations.providers.pagerduty import source
from integrations.providers.pagerduty.client import PagerDutyClient
from integrations.providers.pagerduty.source import PagerDutyIncidentSource
from integrations.sandbox.server import SandboxServer


@pytest.fixture(scope="module")
def pd_sandbox():  # type: ignore[no-untyped-def]
    server = SandboxServer(seed=9, incidents=20, users=5, pagerduty_incidents=700).start()
    yield server
    server.stop()


def _source(pd_sandbox, settings, key: str = "pagerduty_us") -> PagerDutyIncidentSource:  # type: ignore[no-untyped-def]
    settings.PAGERDUTY_BASE_URLS = {r: pd_sandbox.pagerduty_url(r) for r in ("us", "eu")}
    client = PagerDutyClient(region="us", api_key=getattr(pd_sandbox.keys, key))
    return PagerDutyIncidentSource(client)


def test_a_full_scan_reads_exactly_the_upstreams_incidents(
    pd_sandbox, settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(source, "OFFSET_CAP", 300)  # force time windows on 700 incidents
    ids = [r.upstream_id for page in _source(pd_sandbox, settings).scan_all() for r in page]
    truth = {raw["id"] for raw in pd_sandbox.pagerduty_stores["us"].incidents()}
    assert set(ids) == truth and len(truth) == 700


def test_still_open_returns_exactly_the_open_ones(pd_sandbox, settings) -> None:  # type: ignore[no-untyped-def]
    got = {r.upstream_id for page in _source(pd_sandbox, settings).still_open() for r in page}
    truth = {
        raw["id"]
        for raw in pd_sandbox.pagerduty_stores["us"].incidents()
        if raw["status"] in ("triggered", "acknowledged")
    }
    assert got == truth and truth


def test_a_key_without_the_incident_ability_is_a_permanent_error(pd_sandbox, settings) -> None:  # type: ignore[no-untyped-def]
    from integrations.http import ErrorKind, UpstreamError

    with pytest.raises(UpstreamError) as raised:
        list(_source(pd_sandbox, settings, "pagerduty_no_incident_ability").scan_all())
    assert raised.value.kind == ErrorKind.PAYMENT_REQUIRED and raised.value.permanent
