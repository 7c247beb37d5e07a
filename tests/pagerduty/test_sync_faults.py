"""The fault matrix for PagerDuty connections: every case ends with the database equal to the
upstream, or, when the run fails, with nothing already stored lost, changed or duplicated."""

from __future__ import annotations

import pytest

from integrations.models import ConnectionStatus, ErrorAction, ProviderService, SyncOutcome
from integrations.providers.pagerduty.sandbox.app import Credential
from integrations.sync.engine import sync_connection
from tests.pagerduty.conftest import assert_services_equal_upstream, assert_store_equals_upstream
from tests.sync.conftest import run_sync, snapshot


@pytest.mark.parametrize(
    ("key", "action", "text", "calls"),
    [
        ("not-a-key-of-this-account", ErrorAction.REENTER_KEY, "Invalid API key", 1),
        ("no_incident_ability", ErrorAction.UPGRADE_PLAN, "lacks an ability", 2),
    ],
)
def test_401_and_402_stop_at_once_and_put_the_connection_in_error(
    upstream, connection, key: str, action: str, text: str, calls: int
) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    before = snapshot()
    connection.set_credentials(
        {"api_key": getattr(upstream.keys, "pagerduty_" + key, key)}, hint="xxxx"
    )
    connection.save()
    run = run_sync(connection)
    # The services are read first; a 402 is about incidents only.
    assert run.outcome == SyncOutcome.FAILED and run.http_calls == calls and run.retries == 0
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ERROR
    assert connection.last_error_action == action and text in connection.last_error
    assert snapshot() == before
    # The schedule does not hammer a rejected key; a manual sync may try again.
    assert sync_connection(connection_id=connection.pk, trigger="schedule") is None
    connection.set_credentials({"api_key": upstream.keys.pagerduty_us}, hint="xxxx")
    connection.save()
    assert run_sync(connection).outcome == SyncOutcome.SUCCEEDED
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.CONNECTED and connection.last_error == ""


def _use_oauth(connection, monkeypatch, token: str) -> None:  # type: ignore[no-untyped-def]
    from integrations.providers.pagerduty import oauth

    connection.auth_method = "oauth"
    connection.set_credentials({"access_token": "stale", "refresh_token": "r"}, hint="auth")
    connection.save()
    monkeypatch.setattr(oauth, "access_token_for", lambda connection: token)


def test_an_oauth_token_without_incidents_read_is_told_to_fix_permissions(
    upstream, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    before = snapshot()
    _use_oauth(connection, monkeypatch, upstream.keys.pagerduty_no_incident_scope_oauth)
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.FAILED and run.retries == 0
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ERROR
    assert connection.last_error_action == ErrorAction.FIX_PERMISSIONS
    assert "authorization may not read incidents" in connection.last_error
    assert snapshot() == before


def test_an_oauth_connection_syncs_with_its_bearer_token(upstream, connection, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _use_oauth(connection, monkeypatch, upstream.keys.pagerduty_us_oauth)
    assert run_sync(connection).outcome == SyncOutcome.SUCCEEDED
    assert_store_equals_upstream(upstream, connection)


def test_a_refused_token_refresh_fails_the_run_and_asks_to_connect_again(
    upstream, connection, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from integrations.http import ErrorKind, UpstreamError

    def refused(connection):  # type: ignore[no-untyped-def]
        raise UpstreamError(ErrorKind.UNAUTHORIZED, message="invalid_grant")

    _use_oauth(connection, monkeypatch, "unused")
    monkeypatch.setattr("integrations.providers.pagerduty.oauth.access_token_for", refused)
    run = run_sync(connection)
    assert run.outcome == SyncOutcome.FAILED and run.http_calls == 0
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ERROR
    assert connection.last_error_action == ErrorAction.RECONNECT
    assert "connect with PagerDuty again" in connection.last_error


def test_a_key_that_may_not_read_services_still_syncs_the_incidents(upstream, connection) -> None:  # type: ignore[no-untyped-def]
    run_sync(connection)
    services = list(ProviderService.objects.values_list("id", "deleted_upstream", "synced_at"))
    handler = upstream.app.mounts["/pagerduty/us"]
    handler.api_keys["incidents-only"] = Credential(scopes=frozenset({"incidents.read"}))
    connection.set_credentials({"api_key": "incidents-only"}, hint="only")
    connection.save()
    upstream.advance(provider="pagerduty", changed_fraction=0.02, new=3, deleted=2, seed=6)
    run = run_sync(connection, full=True)
    assert run.outcome == SyncOutcome.SUCCEEDED
    assert run.counts["services"]["skipped"] == "the credentials may not read services"
    assert_store_equals_upstream(upstream, connection)
    # The services stored before are kept as they were, not flagged deleted.
    assert list(ProviderService.objects.values_list("id", "deleted_upstream", "synced_at")) == (
        services
    )
    assert_services_equal_upstream(upstream, connection)
