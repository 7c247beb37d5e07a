"""The URL walk, wider (issue 12, finding 12): every project URL and every Django admin route ×
anonymous, staff, auditor, admin and superuser × GET, HEAD, POST, PUT, PATCH and DELETE, with
real ids, and after every refusal the database unchanged (rows inserted, updated or deleted are
counted by the database itself). tests/accounts/test_url_permissions.py decides who may do
what (EXPECTED); this walk holds every other method and role to it."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client

from tests.accounts import walk_world as world
from tests.accounts.test_url_permissions import (
    ANONYMOUS_ALLOWED,
    EXPECTED,
    LOGGED_OUT,
    _concrete,
)

# The URL walks' world, built once a module (these stand for tests/conftest.py's users here).
walk_world = world.walk_world
samples = world.samples
connected_opsgenie = world.connected_opsgenie
admin_user, auditor_user, staff_user = world.admin_user, world.auditor_user, world.staff_user

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
REFUSED = (403, 405)


def _changes() -> int:
    """Rows written so far by this connection (sessions are signed cookies here, see below)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
        else:
            cursor.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) "
                "FROM pg_stat_xact_user_tables"
            )
        return int(cursor.fetchone()[0])


@pytest.fixture
def clients(django_user_model, admin_user, auditor_user, staff_user, settings) -> dict[str, Client]:  # type: ignore[no-untyped-def]
    # Sessions in signed cookies: a refused request then writes no row at all, so any row
    # written is the view's doing.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    root = django_user_model.objects.create_superuser("root", password="x" * 20)
    users = {"admin": admin_user, "auditor": auditor_user, "staff": staff_user, "superuser": root}
    made = {"anonymous": Client(enforce_csrf_checks=True)}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        made[role] = client
    return made


def _expected(path: str, method: str, role: str) -> int | None:
    """The answer EXPECTED implies, or None when only "not a 500 and nothing written if
    refused" can be said."""
    if role == "anonymous":
        return None  # checked below: the login page, or a refusal
    if method not in ("GET", "HEAD", "POST"):
        return 405
    if role == "superuser":
        # Holds every permission, like an admin; but the admin walked this URL just before
        # and may have changed what it shows (a disconnect), so only the rules below apply.
        return None
    return EXPECTED[path]["GET" if method == "HEAD" else method][role]


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_every_method_and_role_of_a_project_url(clients, samples, path: str) -> None:  # type: ignore[no-untyped-def]
    url = _concrete(path, samples)
    for role, client in clients.items():
        for method in METHODS:
            before = _changes()
            response = client.generic(method, url)
            status, cell = response.status_code, f"{role} {method} {path}"
            assert status < 500, cell
            expected = _expected(path, method, role)
            if role == "anonymous":
                allowed = ANONYMOUS_ALLOWED.get(path, {})
                if method in allowed or (method == "HEAD" and "GET" in allowed):
                    assert status in (allowed.get(method, allowed.get("GET")), 403), cell
                else:
                    assert status in (302, 403, 405), cell
                    if status == 302:
                        assert response["Location"].startswith("/login/?next="), cell
            elif expected == LOGGED_OUT:
                assert status == 302 and response["Location"] == "/login/", cell
            elif expected is not None:
                assert status == expected, cell
            if status in REFUSED or (role == "anonymous" and path not in ANONYMOUS_ALLOWED):
                assert _changes() == before, f"{cell} was refused but wrote to the database"


def _admin_paths() -> list[str]:
    """The admin site's index, and each registered model's list, add, change, history and
    delete pages (ids filled in by the test)."""
    paths = ["/admin/"]
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        paths += [base, f"{base}add/", f"{base}<id>/change/", f"{base}<id>/history/"]
        paths.append(f"{base}<id>/delete/")
    return paths


@pytest.mark.django_db
@pytest.mark.parametrize("path", _admin_paths())
def test_the_admin_site_answers_only_superusers(clients, samples, path: str) -> None:  # type: ignore[no-untyped-def]
    url = path.replace("<id>", "1")
    for role, client in clients.items():
        for method in METHODS:
            before = _changes()
            response = client.generic(method, url)
            status, cell = response.status_code, f"{role} {method} {path}"
            assert status < 500, cell
            if role != "superuser":
                # Every other role is sent to the admin's login (or refused), and writes nothing.
                assert status in (302, 403, 405), cell
                if status == 302:
                    assert re.match(r"/(admin/)?login/\?next=", response["Location"]), cell
                assert _changes() == before, f"{cell} was refused but wrote to the database"
