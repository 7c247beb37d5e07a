"""refresh_services / services_for: the service-selection page's reads, against the emulator."""

from __future__ import annotations

import pytest

from integrations.http import ErrorKind, UpstreamError
from integrations.models import ProviderService
from integrations.providers.pagerduty.sandbox.app import Credential
from integrations.providers.pagerduty.service_selection import refresh_services, services_for


def _names(upstream) -> list[str]:  # type: ignore[no-untyped-def]
    services = upstream.pagerduty_stores["us"].services()
    return [s["name"] for s in sorted(services, key=lambda s: (s["name"], s["id"]))]


def test_refresh_reads_and_stores_every_service_by_name(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    assert services_for(connection) == []
    refreshed = refresh_services(connection)
    assert [s.name for s in refreshed] == _names(upstream)
    assert services_for(connection) == refreshed
    first = refreshed[0]
    assert first.upstream_url.startswith("https://") and first.status and first.description
    # Refreshing again rewrites nothing.
    stamps = list(ProviderService.objects.values_list("id", "synced_at").order_by("id"))
    refresh_services(connection)
    assert list(ProviderService.objects.values_list("id", "synced_at").order_by("id")) == stamps


def test_a_service_gone_upstream_stays_listed_and_says_so(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    refresh_services(connection)
    gone = upstream.pagerduty_stores["us"].dataset.services.pop(0)
    listed = {s.upstream_id: s.deleted_upstream for s in refresh_services(connection)}
    assert len(listed) == 8 and listed[gone["id"]] is True
    assert sum(listed.values()) == 1


def test_a_key_without_services_read_raises_and_keeps_what_was_stored(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    refresh_services(connection)
    handler = upstream.app.mounts["/pagerduty/us"]
    handler.api_keys["incidents-only"] = Credential(scopes=frozenset({"incidents.read"}))
    connection.set_credentials({"api_key": "incidents-only"}, hint="only")
    connection.save()
    with pytest.raises(UpstreamError) as raised:
        refresh_services(connection)
    assert raised.value.kind == ErrorKind.FORBIDDEN
    assert not ProviderService.objects.filter(deleted_upstream=True).exists()
    assert len(services_for(connection)) == 8


def test_an_outage_is_retried_briefly_then_raised(upstream, connection, settings) -> None:  # type: ignore[no-untyped-def]
    settings.UPSTREAM_RETRY_BASE_SECONDS = 0
    upstream.faults.set(server_errors=100)
    with pytest.raises(UpstreamError) as raised:
        refresh_services(connection)
    assert raised.value.kind == ErrorKind.UNAVAILABLE
    assert raised.value.attempts == settings.WIZARD_MAX_ATTEMPTS
    upstream.faults.clear()


def test_an_oauth_connection_refreshes_with_its_bearer_token(
    upstream, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from integrations.providers.pagerduty import oauth

    connection.auth_method = "oauth"
    connection.set_credentials({"access_token": "old", "refresh_token": "r"}, hint="auth")
    connection.save()
    monkeypatch.setattr(oauth, "access_token_for", lambda c: upstream.keys.pagerduty_us_oauth)
    assert [s.name for s in refresh_services(connection)] == _names(upstream)
