from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.services import user_role

pytestmark = pytest.mark.django_db


def test_it_creates_a_user_with_a_role(tmp_path: Path) -> None:
    password_file = tmp_path / "pw"
    password_file.write_text("a sturdy passphrase 42\n")
    call_command(
        "create_user",
        "dana",
        "--role",
        "auditor",
        "--password-file",
        str(password_file),
        stdout=io.StringIO(),
    )
    user = get_user_model().objects.get(username="dana")
    assert user_role(user).value == "Auditor"
    assert user.check_password("a sturdy passphrase 42")


def test_it_refuses_an_existing_user_unless_asked_to_update(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CREATE_USER_PASSWORD", "a sturdy passphrase 42")
    call_command("create_user", "erin", "--role", "staff", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", "erin", "--role", "admin")
    call_command("create_user", "erin", "--role", "admin", "--update", stdout=io.StringIO())
    assert user_role(get_user_model().objects.get(username="erin")).value == "Compliance admin"


def test_it_rejects_a_weak_password(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CREATE_USER_PASSWORD", "123")
    with pytest.raises(CommandError, match="Password rejected"):
        call_command("create_user", "frank", "--role", "staff")
    assert not get_user_model().objects.filter(username="frank").exists()


def test_a_logged_in_user_sees_only_built_sections(admin_client, staff_client) -> None:  # type: ignore[no-untyped-def]
    admin_page = admin_client.get("/").content.decode()
    assert 'href="/settings/integrations/"' in admin_page
    assert '<a href="/" aria-current="page">Dashboard</a>' in admin_page
    assert 'href="/access/">Access<' in admin_page
    staff_page = staff_client.get("/").content.decode()
    assert "Staff" in staff_page
    assert ">Access<" not in staff_page  # staff see nothing of access management


@pytest.mark.parametrize(
    ("username", "email", "says"),
    [
        ("", "", "Username refused: it is empty."),
        ("   ", "", "Username refused: it is empty."),
        ("<script>alert(1)</script>", "", "Username refused: use only letters"),
        ("admin\u202egnp.exe", "", "Username refused: use only letters"),
        ("tab\there", "", "Username refused: use only letters"),
        ("nul\x00byte", "", "Username refused: use only letters"),
        ("a" * 151, "", "Username refused: 151 characters, at most 150."),
        ("erin", "not-an-email", "Email refused: 'not-an-email' is not an email address."),
    ],
)
def test_refused_names_and_emails_say_why_and_create_nothing(
    username: str, email: str, says: str, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CREATE_USER_PASSWORD", "a sturdy passphrase 42")
    with pytest.raises(CommandError) as refused:
        call_command("create_user", username, "--role", "staff", "--email", email)
    assert str(refused.value).startswith(says)
    assert get_user_model().objects.count() == 0


def test_a_name_differing_only_in_case_is_the_same_user(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CREATE_USER_PASSWORD", "a sturdy passphrase 42")
    call_command("create_user", "Frank", "--role", "staff", stdout=io.StringIO())
    with pytest.raises(CommandError, match="A user named 'Frank' already exists"):
        call_command("create_user", "frank", "--role", "admin")
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["Frank"]


def test_a_concurrent_duplicate_is_refused_not_a_traceback(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The other creation lands between our look and our save (the database's unique index
    decides): the command says so instead of a traceback. (Here the other creation runs in our
    transaction, so it is rolled back with ours; in a real race it was committed by its own.)"""
    from accounts import services

    monkeypatch.setenv("CREATE_USER_PASSWORD", "a sturdy passphrase 42")
    user_model = get_user_model()
    look = user_model.objects.filter

    def look_then_the_other_creates(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = look(*args, **kwargs).first()
        user_model.objects.create_user(username="gina", password="the other one 1234")
        return type("Found", (), {"first": staticmethod(lambda: found)})()

    monkeypatch.setattr(
        services, "get_user_model", lambda: _Racing(user_model, look_then_the_other_creates)
    )
    with pytest.raises(CommandError, match="A user named 'gina' already exists."):
        call_command("create_user", "gina", "--role", "staff")


class _Racing:
    """The user model, whose lookup lets another creation in before returning."""

    def __init__(self, model, lookup) -> None:  # type: ignore[no-untyped-def]
        self._model, self.objects = model, type("Manager", (), {"filter": staticmethod(lookup)})()

    def __call__(self, **kwargs):  # type: ignore[no-untyped-def]
        return self._model(**kwargs)
