"""The settings the evidence export reads, from the environment. ``config/settings.py`` loads
this module while the settings load: nothing here may need Django configured."""

from __future__ import annotations

from pathlib import Path

from config.env import env_int, env_str


def settings(*, local_dir: Path) -> dict[str, object]:
    return {
        # Where the worker writes finished exports. Not under MEDIA_ROOT, so that no web server
        # rule for /media/ can ever serve one: they leave only through the download view. With
        # workers on other machines than the web nodes, a directory both mount.
        "EVIDENCE_EXPORT_DIR": env_str("EVIDENCE_EXPORT_DIR", str(local_dir / "evidence-exports")),
        # How long a finished export may be downloaded; the cleanup schedule then deletes it.
        "EVIDENCE_EXPORT_KEEP_HOURS": env_int("EVIDENCE_EXPORT_KEEP_HOURS", 24),
        # A building export writes its progress every few thousand rows; one silent this long
        # lost its worker (killed, restarted) and is shown as failed.
        "EVIDENCE_EXPORT_STALE_AFTER_SECONDS": env_int(
            "EVIDENCE_EXPORT_STALE_AFTER_SECONDS", 15 * 60
        ),
    }
