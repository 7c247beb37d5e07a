"""Strict parsing of settings from the environment.

Every secret may also come from ``<NAME>_FILE`` (Docker/Kubernetes secrets), as in healthchecks.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    # A typo such as DEBUG=ture must not silently mean False (or True) in production.
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_pairs(name: str) -> dict[str, str]:
    """``a=x,b=y`` as {"a": "x", "b": "y"}; the key is what precedes the last "=" of each item."""
    pairs: dict[str, str] = {}
    for item in env_list(name, []):
        key, equals, value = item.rpartition("=")
        if not equals or not key.strip() or not value.strip():
            raise ImproperlyConfigured(f"{name} must be name=value pairs separated by commas")
        pairs[key.strip()] = value.strip().lower()
    return pairs


def env_secret(name: str) -> str:
    """The value of NAME, or the contents of the file named by NAME_FILE."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            # Never fall back to a default secret when the operator asked for a file.
            raise ImproperlyConfigured(f"{name}_FILE={file_name} cannot be read: {exc}") from exc
    return os.environ.get(name, "").strip()
