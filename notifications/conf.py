"""The settings notifications read, from the environment. ``config/settings.py`` loads this
module while the settings load: nothing here may need Django configured."""

from __future__ import annotations

from config.env import env_int, env_str


def settings() -> dict[str, object]:
    return {
        # Operator overrides only: no URL typed into a form is ever fetched. OpsGenie's Alert API
        # lives on its provider's OPSGENIE_BASE_URLS; JSM's and PagerDuty's Events API here.
        "OPSGENIE_JSM_URL": env_str(
            "OPSGENIE_JSM_URL", "https://api.atlassian.com/jsm/ops/integration"
        ).rstrip("/"),
        "PAGERDUTY_EVENTS_URLS": {
            "us": env_str("PAGERDUTY_EVENTS_US_URL", "https://events.pagerduty.com").rstrip("/"),
            "eu": env_str("PAGERDUTY_EVENTS_EU_URL", "https://events.eu.pagerduty.com").rstrip("/"),
        },
        # This site's address as people reach it: the links in an alert point back to its pages.
        "SITE_URL": env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/"),
        # A channel disables itself when 60% of its judged deliveries of the last 12 hours
        # failed, once at least this many were judged (one failure of a quiet channel is no
        # trend).
        "NOTIFICATION_DISABLE_MIN_DELIVERIES": env_int("NOTIFICATION_DISABLE_MIN_DELIVERIES", 5),
        # One send: its request and answer. The claim a worker holds on a delivery lasts longer
        # than this, so a worker that dies mid-send leaves a claim that expires and the delivery
        # is sent again.
        "NOTIFICATION_SEND_DEADLINE_SECONDS": float(
            env_str("NOTIFICATION_SEND_DEADLINE_SECONDS", "20")
        ),
    }
