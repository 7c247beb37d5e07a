"""The settings OpsGenie reads, from the environment. ``config/settings.py`` loads this module for
every registered provider, so a provider's settings live in its package. It runs while the settings
load: nothing here may need Django configured."""

from __future__ import annotations

from config.env import env_str


def settings() -> dict[str, object]:
    return {
        # Per region. Operator overrides only: no URL typed into a form is ever fetched.
        "OPSGENIE_BASE_URLS": {
            "us": env_str("OPSGENIE_US_URL", "https://api.opsgenie.com").rstrip("/"),
            "eu": env_str("OPSGENIE_EU_URL", "https://api.eu.opsgenie.com").rstrip("/"),
        },
    }
