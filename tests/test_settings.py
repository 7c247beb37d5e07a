"""Production settings: refuse to start without real keys; `check --deploy` is clean."""

from __future__ import annotations

import os
import subprocess
import sys

from cryptography.fernet import Fernet

SECRET = "p" * 30 + "Q9r8s7t6u5v4w3x2y1z0" + "k" * 20


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        capture_output=True,
        text=True,
        # Whatever `make run` left in .local/ (development keys) must not fill in the blanks.
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "EVIDENCEHUB_IGNORE_LOCAL_ENV": "1",
            **env,
        },
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = _manage("check", FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode())
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_an_encryption_key() -> None:
    result = _manage("check", SECRET_KEY=SECRET)
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY must be set" in result.stderr


def test_secrets_can_come_from_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "secret").write_text(SECRET + "\n")
    result = _manage(
        "check",
        SECRET_KEY_FILE=str(tmp_path / "secret"),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="evidence.example.com",
    )
    assert result.returncode == 0, result.stderr


def test_a_typo_in_a_boolean_is_an_error_not_a_guess() -> None:
    result = _manage("check", DEBUG="ture")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_check_deploy_passes_with_no_warnings() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=SECRET,
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="evidence.example.com",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_debug_is_off_unless_development_asks_for_it() -> None:
    """Production shows the app's error pages, never Django's debug pages."""
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        SECRET_KEY=SECRET,
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="evidence.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_debug_is_refused_on_a_host_others_can_reach() -> None:
    result = _manage(
        "check",
        DEBUG="true",
        SECRET_KEY=SECRET,
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="evidence.example.com,localhost",
    )
    assert result.returncode != 0
    assert "DEBUG=true is for development on this machine only" in result.stderr
    assert "ALLOWED_HOSTS names evidence.example.com" in result.stderr


def test_make_run_still_starts_with_debug_on_loopback() -> None:
    """bin/run-dev exports DEBUG=true with the development keys and no ALLOWED_HOSTS."""
    result = _manage(
        "check", DEBUG="true", SECRET_KEY="dev", FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode()
    )
    assert result.returncode == 0, result.stderr


def test_half_configured_single_sign_on_refuses_to_start() -> None:
    result = _manage(
        "check",
        SECRET_KEY=SECRET,
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        OIDC_ISSUER="https://idp.example.com",
        OIDC_RP_CLIENT_ID="eh",
    )
    assert result.returncode != 0
    assert "Single sign-on is half configured: set OIDC_RP_CLIENT_SECRET too." in result.stderr


def test_single_sign_on_refuses_a_role_it_does_not_know() -> None:
    result = _manage(
        "check",
        SECRET_KEY=SECRET,
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        OIDC_ISSUER="https://idp.example.com",
        OIDC_RP_CLIENT_ID="eh",
        OIDC_RP_CLIENT_SECRET="s",
        OIDC_ROLE_GROUPS="eh-admins=root",
    )
    assert result.returncode != 0
    assert "OIDC_ROLE_GROUPS names the role 'root'" in result.stderr
