"""The settings PagerDuty reads, from the environment. ``config/settings.py`` loads this module
for every registered provider, so a provider's settings live in its package. It runs while the
settings load: nothing here may need Django configured."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.env import env_secret, env_str

APP_TYPES = ("classic", "scoped")


def settings() -> dict[str, object]:
    app_type = env_str("PAGERDUTY_OAUTH_APP_TYPE", "classic")
    if app_type not in APP_TYPES:
        raise ImproperlyConfigured("PAGERDUTY_OAUTH_APP_TYPE must be classic or scoped.")
    return {
        # Per region. Operator overrides only: no URL typed into a form is ever fetched.
        "PAGERDUTY_BASE_URLS": {
            "us": env_str("PAGERDUTY_US_URL", "https://api.pagerduty.com").rstrip("/"),
            "eu": env_str("PAGERDUTY_EU_URL", "https://api.eu.pagerduty.com").rstrip("/"),
        },
        # "Connect with PagerDuty" (OAuth 2.0 authorization code + PKCE). The app registered
        # in PagerDuty gives the client id and secret; without them only the API-key path is
        # offered. Classic apps get the `read` scope; scoped (private) apps the three read
        # scopes we use.
        "PAGERDUTY_IDENTITY_URL": env_str(
            "PAGERDUTY_IDENTITY_URL", "https://identity.pagerduty.com"
        ).rstrip("/"),
        "PAGERDUTY_OAUTH_CLIENT_ID": env_str("PAGERDUTY_OAUTH_CLIENT_ID"),
        "PAGERDUTY_OAUTH_CLIENT_SECRET": env_secret("PAGERDUTY_OAUTH_CLIENT_SECRET"),
        "PAGERDUTY_OAUTH_APP_TYPE": app_type,
        # The redirect URI registered on the PagerDuty app; by default this site's callback.
        "PAGERDUTY_OAUTH_REDIRECT_URI": env_str("PAGERDUTY_OAUTH_REDIRECT_URI"),
    }
