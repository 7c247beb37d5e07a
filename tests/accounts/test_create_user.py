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
