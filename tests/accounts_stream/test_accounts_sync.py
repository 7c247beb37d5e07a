"""The accounts stream synced by the engine against both emulators, into a fake store registered
for "accounts" here (the real one is the access app's): exactly the upstream's users, then
time passes and a rerun shows who joined, left and changed role; credentials that may not read
users leave the incidents synced and the stream skipped; the calls stay few."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from incidents.models import Incident
from integrations.http import CallStats
from integrations.models import Connection, SyncOutcome
from integrations.providers.opsgenie.mapping import account_record as opsgenie_record
from integrations.providers.pagerduty.mapping import account_record as pagerduty_record
from integrations.providers.registry import get_provider
from integrations.records import AccountRecord
from integrations.sandbox.server import SandboxServer
from integrations.sync import stores
from integrations.sync.stores import StreamCounts
from integrations.sync.streams import ACCOUNTS
from tests.conftest import make_connection
from tests.pagerduty import conftest as pagerduty
from tests.sync.conftest import NOW, run_sync

USERS = 30


class FakeAccountStore:
    """A SnapshotStore in memory: upstream id → record, and the ids flagged removed."""

    def __init__(self) -> None:
        self.rows: dict[str, AccountRecord] = {}
        self.removed: set[str] = set()

    def save(self, *, connection: Connection, records: Sequence[AccountRecord]) -> StreamCounts:
        counts = StreamCounts(fetched=len(records))
        for record in records:
            before = self.rows.get(record.upstream_id)
            if before is None:
                counts.created += 1
            elif before != record or record.upstream_id in self.removed:
                counts.updated += 1
            else:
                counts.unchanged += 1
            self.rows[record.upstream_id] = record
            self.removed.discard(record.upstream_id)
        return counts

    def live_ids(self, *, connection: Connection) -> set[str]:
        return set(self.rows) - self.removed

    def flag_missing(self, *, connection: Connection, listed: set[str]) -> int:
        missing = self.live_ids(connection=connection) - listed
        self.removed |= missing
        return len(missing)

    def live(self) -> dict[str, AccountRecord]:
        return {i: r for i, r in self.rows.items() if i not in self.removed}


@pytest.fixture
def accounts(monkeypatch) -> FakeAccountStore:  # type: ignore[no-untyped-def]
    store = FakeAccountStore()
    monkeypatch.setitem(stores.STORES, ACCOUNTS, store)
    # Read for every connection here, whatever filter the access app may have registered.
    monkeypatch.setitem(stores.STREAM_WANTED, ACCOUNTS, lambda connection: True)
    return store


@dataclass
class Account:
    """One provider's emulator, a connection to it, and the truth to compare with."""

    provider: str
    upstream: SandboxServer
    connection: Connection
    truth: Callable[[], dict[str, AccountRecord]]
    # The credentials that may read incidents but not users.
    incidents_only: Callable[[], None]
    calls_for_users: Callable[[], int]

    @property
    def store(self) -> Any:
        return getattr(self.upstream, f"{self.provider}_stores")["us"]

    def advance(self, **options: Any) -> dict[str, Any]:
        return self.upstream.advance(provider=self.provider, **options)


def _opsgenie_truth(server: SandboxServer) -> dict[str, AccountRecord]:
    store = server.opsgenie_stores["us"]
    teams = {
        user["id"]: [team["name"] for team in store.teams_of(user["id"])] for user in store.users()
    }
    return {user["id"]: opsgenie_record(user, teams=teams) for user in store.users()}


def _pagerduty_truth(server: SandboxServer) -> dict[str, AccountRecord]:
    store = server.pagerduty_stores["us"]
    return {user["id"]: pagerduty_record(user) for user in store.users()}


@pytest.fixture(params=["opsgenie", "pagerduty"])
def account(request, settings, db, monkeypatch) -> Iterator[Account]:  # type: ignore[no-untyped-def]
    settings.UPSTREAM_TIMEOUT_SECONDS = 2
    if request.param == "opsgenie":
        server = SandboxServer(seed=5, incidents=120, users=USERS, now=NOW).start()
        settings.OPSGENIE_BASE_URLS = {r: server.opsgenie_url(r) for r in ("us", "eu")}
        connection = make_connection(api_key=server.keys.opsgenie_us)

        def opsgenie_incidents_only() -> None:
            key = server.keys.opsgenie_incidents_only
            connection.set_credentials({"api_key": key}, hint=key[-4:])
            connection.save()

        yield Account(
            "opsgenie",
            server,
            connection,
            lambda: _opsgenie_truth(server),
            opsgenie_incidents_only,
            # A page per hundred users: the teams (the list, one read per team) were read by
            # the run's teams stream before, and the accounts reuse them.
            lambda: -(-len(server.opsgenie_stores["us"].users()) // 100),
        )
    else:
        server = SandboxServer(seed=5, incidents=5, users=USERS, pagerduty_incidents=120).start()
        pagerduty.point_at(server, settings)
        connection = make_connection(provider="pagerduty", api_key=server.keys.pagerduty_us)

        def pagerduty_incidents_only() -> None:
            from integrations.providers.pagerduty import oauth

            connection.auth_method = "oauth"
            connection.set_credentials({"access_token": "x", "refresh_token": "r"}, hint="auth")
            connection.save()
            token = server.keys.pagerduty_no_users_scope_oauth
            monkeypatch.setattr(oauth, "access_token_for", lambda connection: token)

        yield Account(
            "pagerduty",
            server,
            connection,
            lambda: _pagerduty_truth(server),
            pagerduty_incidents_only,
            # A page per hundred users, the teams embedded: none per team.
            lambda: -(-len(server.pagerduty_stores["us"].users()) // 100),
        )
    server.stop()


def test_the_first_sync_stores_exactly_the_upstreams_accounts(account, accounts) -> None:  # type: ignore[no-untyped-def]
    run = run_sync(account.connection)

    assert run.outcome == SyncOutcome.SUCCEEDED
    # Read last, so a users failure never delays the incidents (the stored counts are JSON,
    # whose key order PostgreSQL does not keep: the order is the source's).
    # Every stream the provider declares is read (alerts, configuration objects... between).
    provider = get_provider(account.provider)
    assert set(run.counts) == {stream.name for stream in provider.streams}
    source = provider.open_source(account.connection, stats=CallStats(), sleep=None)
    try:
        assert [stream.name for stream in source.streams()][-1] == ACCOUNTS
    finally:
        source.close()
    counts = run.counts[ACCOUNTS]
    assert (counts["fetched"], counts["created"], counts["deleted"]) == (USERS, USERS, 0)
    assert counts["http_calls"] == account.calls_for_users()
    assert accounts.live() == account.truth()
    records = accounts.live().values()
    assert any(record.teams for record in records)
    assert any(record.name != record.name.encode("ascii", "ignore").decode() for record in records)
    assert all("@" in record.email for record in records)


def test_a_resync_with_nobody_changed_changes_no_account(account, accounts) -> None:  # type: ignore[no-untyped-def]
    run_sync(account.connection)
    counts = run_sync(account.connection).counts[ACCOUNTS]

    assert (counts["created"], counts["updated"], counts["deleted"]) == (0, 0, 0)
    assert counts["unchanged"] == USERS


def test_after_time_passes_a_rerun_shows_who_joined_left_and_changed_role(
    account, accounts
) -> None:  # type: ignore[no-untyped-def]
    run_sync(account.connection)
    before = dict(accounts.live())
    people = account.advance(changed_fraction=0, new=0, deleted=0, seed=4, people=2)["users"]

    run = run_sync(account.connection)

    counts = run.counts[ACCOUNTS]
    assert counts["created"] == len(people["joined"]) == 2
    assert counts["deleted"] == len(people["left"]) == 2
    assert counts["updated"] == len(people["role_changed"]) == 2
    assert accounts.live() == account.truth()
    assert set(people["left"]) <= accounts.removed  # kept, flagged removed
    for upstream_id in people["role_changed"]:
        assert accounts.rows[upstream_id].role != before[upstream_id].role
    # An extra read confirms the removals (a listing by offset can shift past a row).
    assert counts["http_calls"] > account.calls_for_users()


def test_an_account_removed_upstream_is_flagged_and_comes_back_if_it_returns(
    account, accounts
) -> None:  # type: ignore[no-untyped-def]
    run_sync(account.connection)
    doomed = account.store.users()[7]
    account.store.remove_users({doomed["id"]})

    assert run_sync(account.connection).counts[ACCOUNTS]["deleted"] == 1
    assert doomed["id"] in accounts.removed and doomed["id"] in accounts.rows


def test_credentials_that_may_not_read_users_skip_the_accounts_and_sync_the_incidents(
    account, accounts
) -> None:  # type: ignore[no-untyped-def]
    account.incidents_only()

    run = run_sync(account.connection)

    assert run.outcome == SyncOutcome.SUCCEEDED
    assert run.counts[ACCOUNTS]["skipped"] == "the credentials may not read accounts"
    assert run.counts[ACCOUNTS]["http_calls"] == 1 and run.counts[ACCOUNTS]["retries"] == 0
    assert not accounts.rows
    assert run.counts["incidents"]["created"] == len(account.store.incidents())
    assert Incident.objects.filter(connection=account.connection).count() == len(
        account.store.incidents()
    )
    account.connection.refresh_from_db()
    assert account.connection.status == "connected"


def test_a_failing_users_listing_fails_that_stream_alone(account, accounts, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from integrations.http import ErrorKind, UpstreamError, UpstreamSession

    real_get = UpstreamSession.get_json

    def get_json(self, url, params=None, **kwargs):  # type: ignore[no-untyped-def]
        if url.endswith("/users"):
            raise UpstreamError(ErrorKind.UNAVAILABLE, status=503, message="down", attempts=5)
        return real_get(self, url, params, **kwargs)

    monkeypatch.setattr(UpstreamSession, "get_json", get_json)
    run = run_sync(account.connection)

    assert run.outcome == SyncOutcome.PARTIAL
    assert run.counts[ACCOUNTS]["error"] and "Accounts could not be read" in run.error
    assert run.counts["incidents"]["created"] == len(account.store.incidents())
    assert not accounts.rows


def test_without_a_store_for_accounts_the_run_is_as_before(account, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delitem(stores.STORES, ACCOUNTS, raising=False)

    run = run_sync(account.connection)

    assert run.outcome == SyncOutcome.SUCCEEDED
    # (PostgreSQL keeps no key order in JSON: compared as a set.)
    declared = {stream.name for stream in get_provider(account.provider).streams}
    assert set(run.counts) == declared - {ACCOUNTS}


def test_a_connection_the_filter_does_not_want_reads_no_users(
    account, accounts, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(stores.STREAM_WANTED, ACCOUNTS, lambda connection: False)

    run = run_sync(account.connection)

    assert ACCOUNTS not in run.counts and not accounts.rows
