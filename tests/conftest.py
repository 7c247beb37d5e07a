from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from accounts.roles import Role

PASSWORD = "correct horse battery staple"


def make_user(django_user_model, username: str, role: Role | None, **extra):  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_user(username=username, password=PASSWORD, **extra)
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def admin_user(django_user_model):  # type: ignore[no-untyped-def]
    return make_user(django_user_model, "alice-admin", Role.ADMIN)


@pytest.fixture
def auditor_user(django_user_model):  # type: ignore[no-untyped-def]
    return make_user(django_user_model, "bob-auditor", Role.AUDITOR)


@pytest.fixture
def staff_user(django_user_model):  # type: ignore[no-untyped-def]
    return make_user(django_user_model, "carol-staff", Role.STAFF)


def _client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(admin_user) -> Client:  # type: ignore[no-untyped-def]
    return _client_for(admin_user)


@pytest.fixture
def auditor_client(auditor_user) -> Client:  # type: ignore[no-untyped-def]
    return _client_for(auditor_user)


@pytest.fixture
def staff_client(staff_user) -> Client:  # type: ignore[no-untyped-def]
    return _client_for(staff_user)


@pytest.fixture(scope="session")
def sandbox():  # type: ignore[no-untyped-def]
    """One OpsGenie emulator for the session, on a free loopback port."""
    from integrations.sandbox.server import SandboxServer

    server = SandboxServer(seed=11, incidents=60, users=12).start()
    yield server
    server.stop()


@pytest.fixture
def opsgenie_sandbox(sandbox, settings):  # type: ignore[no-untyped-def]
    """Point the app's OpsGenie regions at the sandbox, as `make run` does."""
    settings.OPSGENIE_BASE_URLS = {region: sandbox.opsgenie_url(region) for region in ("us", "eu")}
    yield sandbox
    sandbox.faults.clear()


def make_connection(  # type: ignore[no-untyped-def]
    *,
    provider: str = "opsgenie",
    region: str = "us",
    api_key: str = "k" * 30,
    status: str = "connected",
    connected_at=None,
):
    """A saved connection, as the wizard leaves it, without calling any upstream."""
    from django.utils import timezone

    from integrations.models import Connection

    connected_at = connected_at or timezone.now()
    connection = Connection(
        provider=provider,
        status=status,
        region=region,
        connected_at=connected_at,
        services_confirmed_at=connected_at,
    )
    connection.set_credentials({"api_key": api_key}, hint=api_key[-4:])
    connection.save()
    return connection


@pytest.fixture
def connection(db):  # type: ignore[no-untyped-def]
    """A connected OpsGenie account (its key reaches no real upstream)."""
    return make_connection()


def incidents_only(connection) -> None:  # type: ignore[no-untyped-def]
    """Switch off every optional stream: a sync then reads the incidents alone (a test about
    the sync itself, with slow or faulty answers, gains nothing from the Data library's)."""
    from integrations.providers.registry import get_provider

    connection.streams_off = [s.name for s in get_provider(connection.provider).optional_streams]
    connection.save(update_fields=["streams_off"])


def new_incident(connection, n: int, **fields):  # type: ignore[no-untyped-def]
    """Incident #n of ``connection``, not saved (for a bulk write); ``fields`` override."""
    from django.utils import timezone

    from incidents.models import Incident

    now = timezone.now()
    values = {
        "source": connection.provider,
        "upstream_id": f"id-{n}",
        "number": str(n),
        "title": f"Incident {n}",
        "status": "open",
        "created_at": now,
        "content_hash": "x",
        "changed_at": now,
        **fields,
    }
    return Incident(connection=connection, **values)


def make_incident(connection, n: int, **fields):  # type: ignore[no-untyped-def]
    """A stored incident #n of ``connection``; each test module passes its own defaults."""
    incident = new_incident(connection, n, **fields)
    incident.save()
    return incident


# CI runs the suite twice: on SQLite (make test), then on PostgreSQL with the Redis broker. A
# test that cannot reach the database (pytest-django refuses it every query: it has neither the
# django_db mark nor a database fixture) gives the same answer on both, so the second run may
# leave it to the first: ``--database-tests-only``.
DATABASE_FIXTURES = frozenset({"_django_db_helper", "live_server"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that reach the database (CI's PostgreSQL run)",
    )


def reaches_database(item: pytest.Item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(DATABASE_FIXTURES & names)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    left = [item for item in items if not reaches_database(item)]
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = [item for item in items if reaches_database(item)]
