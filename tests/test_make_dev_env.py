"""`make run`'s development secrets (bin/make_dev_env.py): each demo user its own password, and
an older file gains what it lacks without losing what it holds (issue 12, "must exist" 3)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "bin" / "make_dev_env.py"


def _run(target: Path) -> None:
    subprocess.run([sys.executable, str(SCRIPT), str(target)], check=True, capture_output=True)  # noqa: S603


def _read(target: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in target.read_text().splitlines())


def test_each_demo_user_gets_its_own_password(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / ".local" / "dev.env"
    _run(target)
    values = _read(target)
    passwords = [values[f"DEMO_{who}_PASSWORD"] for who in ("ADMIN", "AUDITOR", "STAFF")]
    assert len(set(passwords)) == 3 and all(len(p) >= 16 for p in passwords)
    assert len(values["SECRET_KEY"]) >= 50
    assert target.stat().st_mode & 0o777 == 0o600


def test_an_older_file_keeps_its_values_and_gains_the_missing_ones(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "dev.env"
    target.write_text("SECRET_KEY=kept\nFIELD_ENCRYPTION_KEY=kept-too\nDEMO_ADMIN_PASSWORD=old")
    _run(target)
    values = _read(target)
    assert (values["SECRET_KEY"], values["DEMO_ADMIN_PASSWORD"]) == ("kept", "old")
    assert values["DEMO_AUDITOR_PASSWORD"] and values["DEMO_STAFF_PASSWORD"]
    before = target.read_text()
    _run(target)
    assert target.read_text() == before
