"""Settings for the test suite: the real settings with throwaway keys."""

import os
import tempfile

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "test-" + "x" * 60)
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "PDGK6HwwW8yZXwwr0rbbu-Z9B4KRhrSqgmGT7MVsmBc=")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # The test database is a file, as the web server's and the worker's are, with their options
    # (WAL, the lock timeout). Django's default, one in memory, shares a single cache between
    # connections: a read that meets another connection's uncommitted write there fails at once
    # with "database table is locked", where a real worker's read goes on (WAL) and its write
    # waits for the lock. The threaded tests (two syncs at once) then failed now and then.
    # One file per test process (pytest-django adds its xdist worker's name); Django deletes it
    # when the run ends.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"evidencehub-test-{os.getpid()}.sqlite3")
    }
# Uploaded files of the tests (special-case attachments) go to a throwaway directory, never into
# the developer's .local/media beside the `make run` data.
MEDIA_ROOT = tempfile.mkdtemp(prefix="evidencehub-test-media-")
# Tests never wait for real backoff: the HTTP chokepoint takes its sleep from here.
UPSTREAM_RETRY_BASE_SECONDS = 0.0
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Unit tests assert the real region hosts, whatever the developer's shell exports.
OPSGENIE_BASE_URLS = {"us": "https://api.opsgenie.com", "eu": "https://api.eu.opsgenie.com"}
PAGERDUTY_BASE_URLS = {"us": "https://api.pagerduty.com", "eu": "https://api.eu.pagerduty.com"}
PAGERDUTY_EVENTS_URLS = {
    "us": "https://events.pagerduty.com",
    "eu": "https://events.eu.pagerduty.com",
}
# Alerts whose logs, notes and recipients one sync reads (production: ALERTS_PER_RUN, 200, in
# integrations/providers/opsgenie/alert_details.py): each costs three calls or more, and most
# tests sync 300 emulated alerts without looking at them. tests/alert_details/ set their own.
OPSGENIE_ALERT_DETAILS_PER_RUN = 10
# Incidents whose notes, logs and timeline one sync reads (production: INCIDENTS_PER_RUN, 200,
# in integrations/incident_entry_records.py); tests/incident_details/ set their own.
INCIDENT_DETAILS_PER_RUN = 10
OPSGENIE_JSM_URL = "https://api.atlassian.com/jsm/ops/integration"
JSM_BASE_URLS = {"cloud": "https://api.atlassian.com/jsm/ops/api"}
JSM_SITE_URL = "https://{site}.atlassian.net"
JSM_OPSGENIE_TINY_ID_FIELD = JSM_OPSGENIE_ALIAS_FIELD = ""
JSM_IMPACT_START_FIELD = JSM_IMPACT_END_FIELD = ""
SITE_URL = "http://127.0.0.1:8000"
NOTIFICATION_DISABLE_MIN_DELIVERIES = 5
PAGERDUTY_IDENTITY_URL = "https://identity.pagerduty.com"
PAGERDUTY_OAUTH_CLIENT_ID = "test-client-id"
PAGERDUTY_OAUTH_CLIENT_SECRET = "test-client-secret"  # noqa: S105 - a test value
PAGERDUTY_OAUTH_APP_TYPE = "classic"
PAGERDUTY_OAUTH_REDIRECT_URI = ""
# Single sign-on is off unless a test configures it, whatever the developer's shell exports.
OIDC_ISSUER = OIDC_RP_CLIENT_ID = OIDC_RP_CLIENT_SECRET = ""
OIDC_OP_AUTHORIZATION_ENDPOINT = OIDC_OP_TOKEN_ENDPOINT = ""
OIDC_OP_USER_ENDPOINT = OIDC_OP_JWKS_ENDPOINT = ""
OIDC_ROLE_GROUPS: dict[str, str] = {}
