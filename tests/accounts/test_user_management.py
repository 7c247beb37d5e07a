"""Settings → Users (issue 12, "must exist" 3): an admin adds a user who sets their password
through a one-time link, changes roles, deactivates and reactivates; nobody is deleted; the last
admin is kept; auditors read; every refusal changes nothing."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.roles import Role
from accounts.services import user_role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a brand new passphrase 9"


def _state() -> list[tuple]:
    users = get_user_model().objects.order_by("pk")
    return [
        (u.pk, u.username, u.email, u.is_active, u.password, tuple(u.groups.values_list("name")))
        for u in users
    ]


def _link(page: str) -> str:
    return re.search(r'<code class="secret-link">https?://[^/]+(/[^<]+)</code>', page).group(1)


def test_an_admin_adds_a_user_who_sets_their_own_password(admin_client) -> None:  # type: ignore[no-untyped-def]
    page = admin_client.post(
        "/settings/users/new/", {"username": "erin", "email": "erin@example.com", "role": "auditor"}
    ).content.decode()
    assert "erin was added" in page
    erin = get_user_model().objects.get(username="erin")
    assert user_role(erin) == Role.AUDITOR and not erin.has_usable_password()
    listing = admin_client.get("/settings/users/").content.decode()
    assert "password not set yet" in listing

    link = _link(page)
    visitor = Client()
    form = visitor.get(link, follow=True)
    assert "Set your password" in form.content.decode()
    done = visitor.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == "/account/set-password/done/"
    assert (
        visitor.post("/login/", {"username": "erin", "password": NEW_PASSWORD}).status_code == 302
    )
    # Used once, the link no longer works.
    again = Client().get(link, follow=True).content.decode()
    assert "This link no longer works" in again


def test_refused_new_users_say_why_and_add_nobody(admin_client) -> None:  # type: ignore[no-untyped-def]
    before = _state()
    for data, says in (
        ({"username": "<b>x</b>", "role": "staff"}, "Username refused: use only letters"),
        ({"username": "alice-admin", "role": "staff"}, "already exists"),
        ({"username": "ALICE-ADMIN", "role": "staff"}, "already exists"),
        ({"username": "zoe", "email": "nope", "role": "staff"}, "Enter a valid email address"),
        ({"username": "zoe", "role": "owner"}, "Select a valid choice"),
    ):
        response = admin_client.post("/settings/users/new/", data)
        assert response.status_code == 400 and says in response.content.decode(), data
    assert _state() == before


def test_role_change_and_deactivation_end_the_users_sessions(admin_client, staff_user) -> None:  # type: ignore[no-untyped-def]
    staff = Client()
    staff.post("/login/", {"username": staff_user.username, "password": PASSWORD})
    assert staff.get("/incidents/").status_code == 200
    url = f"/settings/users/{staff_user.pk}/"
    admin_client.post(url, {"action": "role", "role": "auditor"})
    assert user_role(staff_user) == Role.AUDITOR
    admin_client.post(url, {"action": "deactivate"})
    staff_user.refresh_from_db()
    assert not staff_user.is_active
    # The deactivated user's session is over, and signing in is refused.
    assert staff.get("/incidents/")["Location"].startswith("/login/")
    refused = Client().post("/login/", {"username": staff_user.username, "password": PASSWORD})
    assert refused.status_code == 200
    assert get_user_model().objects.filter(pk=staff_user.pk).exists()  # never deleted
    admin_client.post(url, {"action": "reactivate"})
    staff_user.refresh_from_db()
    assert staff_user.is_active


def test_the_last_admin_is_kept_and_nobody_deactivates_themselves(admin_user, admin_client) -> None:  # type: ignore[no-untyped-def]
    before = _state()
    url = f"/settings/users/{admin_user.pk}/"
    page = admin_client.post(url, {"action": "role", "role": "staff"}, follow=True)
    assert "the only active compliance admin" in page.content.decode()
    page = admin_client.post(url, {"action": "deactivate"}, follow=True)
    assert "You cannot deactivate yourself" in page.content.decode()
    assert _state() == before


def test_auditors_read_and_change_nothing(auditor_client, staff_user) -> None:  # type: ignore[no-untyped-def]
    assert "carol-staff" in auditor_client.get("/settings/users/").content.decode()
    before = _state()
    url = f"/settings/users/{staff_user.pk}/"
    for data in ({"action": "deactivate"}, {"action": "role", "role": "admin"}, {"action": "link"}):
        assert auditor_client.post(url, data).status_code == 403
    assert (
        auditor_client.post("/settings/users/new/", {"username": "x", "role": "admin"}).status_code
        == 403
    )
    assert _state() == before


def test_staff_see_no_users_page(staff_client) -> None:  # type: ignore[no-untyped-def]
    assert staff_client.get("/settings/users/").status_code == 403
    assert "Users</a>" not in staff_client.get("/").content.decode()


def test_an_admin_unlocks_a_locked_out_user_and_the_audit_log_names_them(
    admin_client, auditor_client, staff_user
) -> None:  # type: ignore[no-untyped-def]
    guesser = Client()
    for _ in range(5):
        guesser.post("/login/", {"username": staff_user.username, "password": "wrong"})
    assert "sign-in locked" in admin_client.get("/settings/users/").content.decode()
    url = f"/settings/users/{staff_user.pk}/"
    assert "Sign-in locked until" in admin_client.get(url).content.decode()
    # An auditor cannot unlock.
    assert auditor_client.post(url, {"action": "unlock"}).status_code == 403
    page = admin_client.post(url, {"action": "unlock"}, follow=True).content.decode()
    assert "can sign in again" in page and "Sign-in locked until" not in page
    back = Client().post("/login/", {"username": staff_user.username, "password": PASSWORD})
    assert back.status_code == 302
    log = auditor_client.get("/audit-log/").content.decode()
    assert "Unlocked at" in log and "alice-admin" in log
