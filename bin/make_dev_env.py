"""Write development secrets once into an ignored file (.local/dev.env); never committed."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet


def main(path: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"FIELD_ENCRYPTION_KEY={Fernet.generate_key().decode()}\n"
        f"DEMO_ADMIN_PASSWORD={secrets.token_urlsafe(12)}\n"
    )
    target.chmod(0o600)
    print(f"Generated development keys in {target}")


if __name__ == "__main__":
    main(sys.argv[1])
