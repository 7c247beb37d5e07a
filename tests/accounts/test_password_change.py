"""Every user changes their own password (issue 12, "must exist" 1), held to Django's
validators, with errors shown on the form."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_staff_member_changes_their_password(staff_user, staff_client) -> None:  # type: ignore[no-untyped-def]
    assert "Change password" in staff_client.get("/").content.decode()
    new = "a new and longer passphrase 7"
    response = staff_client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302 and response["Location"] == "/account/password/done/"
    staff_user.refresh_from_db()
    assert staff_user.check_password(new)
    assert staff_client.get("/incidents/").status_code == 200  # still signed in here


def test_a_weak_or_wrong_password_is_refused_with_the_reason(staff_user, staff_client) -> None:  # type: ignore[no-untyped-def]
    weak = staff_client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    page = weak.content.decode()
    assert weak.status_code == 200
    assert "This password is too common." in page and "entirely numeric" in page
    wrong = staff_client.post(
        "/account/password/",
        {"old_password": "nope", "new_password1": "x" * 20, "new_password2": "x" * 20},
    )
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    staff_user.refresh_from_db()
    assert staff_user.check_password(PASSWORD)


def test_signing_in_is_needed(staff_user) -> None:  # type: ignore[no-untyped-def]
    response = Client().get("/account/password/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
