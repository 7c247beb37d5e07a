"""Write development secrets into an ignored file (.local/dev.env), never committed: the keys
and one password per demo user. Run again, it only adds what an older file lacks."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

VALUES: dict[str, Callable[[], str]] = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_KEY": lambda: Fernet.generate_key().decode(),
    # Each demo user its own password: knowing the staff one must not open the admin's.
    "DEMO_ADMIN_PASSWORD": lambda: secrets.token_urlsafe(12),
    "DEMO_AUDITOR_PASSWORD": lambda: secrets.token_urlsafe(12),
    "DEMO_STAFF_PASSWORD": lambda: secrets.token_urlsafe(12),
}


def main(path: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    existing = target.read_text() if target.exists() else ""
    present = {line.split("=", 1)[0] for line in existing.splitlines() if "=" in line}
    missing = [name for name in VALUES if name not in present]
    if not missing:
        return
    if existing and not existing.endswith("\n"):
        existing += "\n"
    target.write_text(existing + "".join(f"{name}={VALUES[name]()}\n" for name in missing))
    target.chmod(0o600)
    print(f"Generated {', '.join(missing)} in {target}")


if __name__ == "__main__":
    main(sys.argv[1])
