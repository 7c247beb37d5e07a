"""`python manage.py …` in a checkout after `make run`: the development keys and the sandbox's
settings that `make run` wrote to .local/ are read when present, so the README's commands work
without exporting anything. Values already in the environment win. Only manage.py calls this:
the web server in production (config/wsgi.py, gunicorn) never reads .local/."""

from __future__ import annotations

import os
from pathlib import Path

from dotenv import load_dotenv

FILES = ("dev.env", "sandbox.env")
# Set (to anything) to read none of them: the tests of production settings start manage.py with
# only the environment they give it, whether or not `make run` has written .local/.
IGNORE = "EVIDENCEHUB_IGNORE_LOCAL_ENV"


def load_local_env(local_dir: Path) -> list[Path]:
    """Load each of FILES found in ``local_dir`` into os.environ; returns the files read."""
    read: list[Path] = []
    if os.environ.get(IGNORE):
        return read
    for name in FILES:
        path = local_dir / name
        if path.is_file():
            load_dotenv(path, override=False)
            read.append(path)
    return read
