"""The world the fuzz walks: the URL walks' objects (a real id for everything a URL names), a
client per role, production error handling (DEBUG off), and no upstream reachable."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import responses
from django.test import Client

from tests.accounts import walk_world as world

# The URL walks' world, built once a module (these stand for tests/conftest.py's users here).
walk_world = world.walk_world
samples = world.samples
connected_opsgenie = world.connected_opsgenie
admin_user, auditor_user, staff_user = world.admin_user, world.auditor_user, world.staff_user


@pytest.fixture
def no_upstream() -> Iterator[None]:
    """Every upstream call (a wizard checking a key) answers 401: the form shows the refusal."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for method in ("GET", "POST", "PUT", "DELETE"):
            mock.add(method, re.compile(r".*"), status=401, json={"message": "Unauthorized"})
        yield


@pytest.fixture
def fuzz_clients(  # type: ignore[no-untyped-def]
    settings, monkeypatch, no_upstream, samples, admin_user, auditor_user, staff_user
) -> dict[str, Client]:
    settings.DEBUG = False
    # Sessions in signed cookies: a refusal then writes no row, so any row written is the
    # view's (the same as the URL walk).
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    # django-axes locks a username out after 5 wrong passwords; the fuzz sends hundreds. The
    # lockout has its own tests (tests/accounts/test_sign_in_security.py).
    settings.AXES_ENABLED = False
    monkeypatch.setattr("integrations.tasks.async_task", lambda *a, **k: "task")
    monkeypatch.setattr("evidence.tasks.async_task", lambda *a, **k: "task")
    # A second open incident: the check's page then lists an item a special case may cover
    # (the samples' own incident has one already).
    from checks.engine import evaluate
    from incidents.models import Incident

    first = Incident.objects.get(pk=samples["pk"])
    first.pk, first.upstream_id, first.number = None, "def", "2"
    first.save()
    evaluate()
    made = {"anonymous": Client()}
    for role, user in (("admin", admin_user), ("staff", staff_user), ("auditor", auditor_user)):
        made[role] = Client()
        made[role].force_login(user)
    return made
