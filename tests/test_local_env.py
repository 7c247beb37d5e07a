"""`python manage.py …` just works in a checkout after `make run` (issue 12, "must exist" 2):
it reads .local/dev.env and .local/sandbox.env when present, and the environment wins."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from config.local_env import load_local_env

ROOT = Path(__file__).resolve().parents[1]


def test_local_files_fill_the_environment_without_overriding_it(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "dev.env").write_text("EH_TEST_A=from-file\nEH_TEST_B=from-file\n")
    (tmp_path / "sandbox.env").write_text("EH_TEST_C=sandbox\n")
    monkeypatch.setenv("EH_TEST_B", "from-environment")
    monkeypatch.delenv("EH_TEST_A", raising=False)
    monkeypatch.delenv("EH_TEST_C", raising=False)
    assert load_local_env(tmp_path) == [tmp_path / "dev.env", tmp_path / "sandbox.env"]
    assert os.environ["EH_TEST_A"] == "from-file"
    assert os.environ["EH_TEST_B"] == "from-environment"
    assert os.environ["EH_TEST_C"] == "sandbox"


def test_no_local_directory_reads_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert load_local_env(tmp_path / "missing") == []


def test_the_files_can_be_ignored_on_purpose(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "dev.env").write_text("EH_TEST_D=from-file\n")
    monkeypatch.delenv("EH_TEST_D", raising=False)
    monkeypatch.setenv("EVIDENCEHUB_IGNORE_LOCAL_ENV", "1")
    assert load_local_env(tmp_path) == []
    assert "EH_TEST_D" not in os.environ


def _check(checkout: Path) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")
    }
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, str(checkout / "manage.py"), "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_manage_py_runs_with_what_make_run_wrote(tmp_path) -> None:  # type: ignore[no-untyped-def]
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    refused = _check(tmp_path)
    assert refused.returncode != 0 and "SECRET_KEY must be set" in refused.stderr
    (tmp_path / ".local").mkdir()
    (tmp_path / ".local" / "dev.env").write_text(
        "SECRET_KEY=" + "k" * 60 + "\nFIELD_ENCRYPTION_KEY=" + "A" * 43 + "=\n"
    )
    works = _check(tmp_path)
    assert works.returncode == 0, works.stderr
    assert "System check identified no issues" in works.stdout
