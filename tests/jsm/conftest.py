from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from integrations.models import Connection
from integrations.providers.jsm.connect import jsm_connect
from integrations.providers.jsm.forms import DEFAULT_JQL
from integrations.sandbox.server import SandboxServer
from integrations.sync.engine import sync_connection

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def upstream(settings):  # type: ignore[no-untyped-def]
    """A fresh emulator per test (these tests change its data), the app pointed at it as
    `make run` does."""
    server = SandboxServer(seed=5, incidents=250, users=5, now=NOW).start()
    settings.JSM_SITE_URL = server.jsm_site_url()
    settings.JSM_BASE_URLS = {"cloud": server.jsm_ops_url()}
    settings.UPSTREAM_TIMEOUT_SECONDS = 2
    yield server
    server.stop()


def connect(upstream: SandboxServer, *, jql: str = DEFAULT_JQL) -> Connection:
    keys = upstream.keys
    return jsm_connect(
        site=keys.jsm_site, email=keys.jsm_email, api_token=keys.jsm_api_token, jql=jql, user=None
    )


@pytest.fixture
def connection(upstream, db) -> Connection:  # type: ignore[no-untyped-def]
    return connect(upstream)


def run_sync(connection: Connection, *, full: bool = False, trigger: str = "manual"):  # type: ignore[no-untyped-def]
    waits: list[float] = []
    run = sync_connection(
        connection_id=connection.pk, trigger=trigger, full=full, sleep=waits.append
    )
    assert run is not None
    run.refresh_from_db()
    run.waits = waits
    return run


@pytest.fixture
def live(settings) -> Iterator[SandboxServer]:  # type: ignore[no-untyped-def]
    """The emulator on today's clock: the checks judge the next 14 days from now."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    server = SandboxServer(seed=5, incidents=20, users=5, now=now).start()
    settings.JSM_SITE_URL = server.jsm_site_url()
    settings.JSM_BASE_URLS = {"cloud": server.jsm_ops_url()}
    settings.UPSTREAM_TIMEOUT_SECONDS = 2
    yield server
    server.stop()
