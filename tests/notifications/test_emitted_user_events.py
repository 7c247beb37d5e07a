"""The app's own users, as the notification channels hear of them: created (Settings → Users,
single sign-on, the create_user command), role changed, deactivated or deleted; nothing when
the change is refused, rolled back, or changes nothing."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction

from accounts.roles import Role
from accounts.user_services import role_set
from lib.events import Action, EventType
from tests.accounts.sso_support import person, sign_in, sso  # noqa: F401 - mocked IdP
from tests.notifications.emitted import collected

pytestmark = pytest.mark.django_db


def test_an_admin_creating_a_user_tells_the_channels(admin_client) -> None:  # type: ignore[no-untyped-def]
    with collected() as events:
        response = admin_client.post(
            "/settings/users/new/",
            {"username": "erin", "email": "erin@example.com", "role": "auditor"},
        )
    assert response.status_code == 200
    erin = get_user_model().objects.get(username="erin")
    event = events.one(EventType.USER_CREATED)
    assert event.alias == f"user:{erin.pk}:created"
    assert event.action == Action.OPEN
    assert event.message == "User created: erin (Auditor)"
    assert "erin@example.com" in event.description and "Settings → Users" in event.description
    assert event.links == (("User", f"/settings/users/{erin.pk}/"),)
    assert event.entity == "erin"


def test_a_refused_new_user_tells_nobody(admin_client) -> None:  # type: ignore[no-untyped-def]
    with collected() as events:
        response = admin_client.post(
            "/settings/users/new/", {"username": "alice-admin", "role": "staff"}
        )
    assert response.status_code == 400
    assert events.emitted == []


def test_a_role_change_says_before_and_after_and_the_same_role_says_nothing(
    admin_client, staff_user
) -> None:  # type: ignore[no-untyped-def]
    url = f"/settings/users/{staff_user.pk}/"
    with collected() as events:
        admin_client.post(url, {"action": "role", "role": "auditor"})
        admin_client.post(url, {"action": "role", "role": "auditor"})
    event = events.one(EventType.USER_ROLE_CHANGED)
    assert event.alias == f"user:{staff_user.pk}:role"
    assert event.message == "User role changed: carol-staff is now Auditor"
    assert "Staff → Auditor" in event.description
    assert event.details["before"] == "Staff" and event.details["after"] == "Auditor"


def test_the_last_admin_losing_the_role_is_refused_and_tells_nobody(
    admin_client, admin_user
) -> None:  # type: ignore[no-untyped-def]
    with collected() as events:
        page = admin_client.post(
            f"/settings/users/{admin_user.pk}/", {"action": "role", "role": "staff"}, follow=True
        )
    assert "only active compliance admin" in page.content.decode()
    assert events.emitted == []


def test_deactivating_a_user_tells_the_channels_once(admin_client, staff_user) -> None:  # type: ignore[no-untyped-def]
    url = f"/settings/users/{staff_user.pk}/"
    with collected() as events:
        admin_client.post(url, {"action": "deactivate"})
        admin_client.post(url, {"action": "deactivate"})  # already inactive: no news
        admin_client.post(url, {"action": "reactivate"})
    event = events.one(EventType.USER_DELETED)
    assert event.message == "User deactivated: carol-staff"
    assert "alice-admin" in event.description and "Staff" in event.description
    assert events.types == ["user_deleted:open"]


def test_deactivating_oneself_is_refused_and_tells_nobody(admin_client, admin_user) -> None:  # type: ignore[no-untyped-def]
    with collected() as events:
        admin_client.post(f"/settings/users/{admin_user.pk}/", {"action": "deactivate"})
    assert events.emitted == []


def test_a_user_deleted_outside_the_app_is_told_too(staff_user) -> None:  # type: ignore[no-untyped-def]
    pk = staff_user.pk
    with collected() as events:
        staff_user.delete()
    event = events.one(EventType.USER_DELETED)
    assert event.alias == f"user:{pk}:deleted" and event.message == "User deleted: carol-staff"


def test_a_rolled_back_role_change_sends_nothing(staff_user) -> None:  # type: ignore[no-untyped-def]
    with collected() as events, pytest.raises(RuntimeError), transaction.atomic():
        role_set(user=staff_user, role=Role.ADMIN)
        raise RuntimeError("a later step of the same change failed")
    # Emitted inside the transaction, so what the receiver wrote rolled back with it.
    assert [event.type for event in events.emitted] == [EventType.USER_ROLE_CHANGED]
    assert events.kept == []


def test_the_create_user_command_tells_creation_and_role_changes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CREATE_USER_PASSWORD", "a sturdy passphrase 42")
    with collected() as events:
        call_command("create_user", "dana", "--role", "staff", stdout=io.StringIO())
        with pytest.raises(CommandError, match="already exists"):
            call_command("create_user", "dana", "--role", "admin")
        call_command("create_user", "dana", "--role", "staff", "--update", stdout=io.StringIO())
        call_command("create_user", "dana", "--role", "admin", "--update", stdout=io.StringIO())
    assert events.types == ["user_created:open", "user_role_changed:open"]
    created, changed = events.kept
    assert "the create_user command" in created.description
    assert changed.message == "User role changed: dana is now Compliance admin"


def test_a_newcomer_signing_in_with_sso_is_a_created_user(sso, client) -> None:  # type: ignore[no-untyped-def] # noqa: F811 - the fixture
    with collected() as events:
        sign_in(client, sso, person("Nico@Example.com", "eh-staff", given_name="Nico"))
    event = events.one(EventType.USER_CREATED)
    assert event.message == "User created: nico@example.com (Staff)"
    assert "single sign-on" in event.description
