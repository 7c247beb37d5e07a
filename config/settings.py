"""Settings, all read from the environment (see the settings table in README.md)."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_pairs, env_secret, env_str
from integrations.providers.registry import PACKAGES as PROVIDER_PACKAGES

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = BASE_DIR / ".local"

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_secret("SECRET_KEY")
FIELD_ENCRYPTION_KEY = env_secret("FIELD_ENCRYPTION_KEY")

if not DEBUG:
    # Production refuses to start on missing or obviously unsafe keys rather than running with a
    # guessable session signer or unencrypted credentials.
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random value of at least 50 characters "
            "(or SECRET_KEY_FILE to a file holding it)."
        )
    if not FIELD_ENCRYPTION_KEY:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY must be set to a Fernet key (generate one with: python -c "
            '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
        )
elif not SECRET_KEY or not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY and FIELD_ENCRYPTION_KEY are not set. `make run` generates development keys "
        "into .local/dev.env; in production set them in the environment."
    )

LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", LOOPBACK_HOSTS if DEBUG else [])
if DEBUG and set(ALLOWED_HOSTS) - set(LOOPBACK_HOSTS):
    # Django's debug pages show the settings, the code and every local variable (an API key
    # being validated, a token being renewed) to whoever reaches the site: DEBUG is for `make run`
    # on this machine, never for a host others can reach.
    raise ImproperlyConfigured(
        "DEBUG=true is for development on this machine only (localhost, 127.0.0.1, [::1]); "
        f"ALLOWED_HOSTS names {', '.join(sorted(set(ALLOWED_HOSTS) - set(LOOPBACK_HOSTS)))}. "
        "Unset DEBUG in production."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "encrypted_model_fields",
    "django_q",
    "simple_history",
    "auditlog",
    "axes",
    # Two-factor sign-in (accounts/mfa.py): authenticator apps and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "integrations",
    # Each provider package is an app too, so its templates/ and static/ are found.
    *PROVIDER_PACKAGES,
    "incidents",
    "access",
    "alerts",
    "library",
    "checks",
    "audit",
    "notifications",
    "dashboard",
    "evidence",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "accounts.middleware.AllowedMethodsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check parses a form: an uploaded file whose name says nothing ("..")
    # reaches the form, which refuses it, instead of being dropped without a word.
    "lib.uploads.KeepUnusableUploadNames",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session entered a second-factor code.
    "django_otp.middleware.OTPMiddleware",
    # Records the signed-in user as the actor of every audit log entry (none: "System").
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records the signed-in user as the author of every history entry.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Idle timeout and absolute lifetime of a session; no-store on every signed-in answer.
    "accounts.middleware.SessionLimitsMiddleware",
    # A user with MFA on, or whose role requires it, reaches only the code (or set-up) page
    # until this session has entered a code.
    "accounts.mfa_middleware.MfaMiddleware",
    "accounts.middleware.NoStoreWhenSignedInMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: it refuses a sign-in while the account or address is locked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (accounts/sso): answers only the SSO callback, and only when configured.
    "accounts.sso.backend.SSOBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "access.context_processors.my_reviews",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{LOCAL_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write to the same file: wait for the lock instead of failing.
    # WAL lets pages read while a sync writes, and with synchronous=NORMAL a commit no longer
    # waits for the disk twice (a sync commits each page): a crash of the machine may lose the
    # last commits, never corrupt the file. PostgreSQL is the database for production (README).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# The audit log (audit/registration.py) shows who, not where from: behind a proxy the address
# would be whatever X-Forwarded-For claims, which is not evidence.
AUDITLOG_DISABLE_REMOTE_ADDR = True

MEDIA_ROOT = env_str("MEDIA_ROOT", str(LOCAL_DIR / "media"))
# Special-case attachments are evidence: served only through a permission-checked view.
MEDIA_URL = "/media/"
MAX_ATTACHMENT_BYTES = env_int("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_str("STATIC_ROOT", str(BASE_DIR / ".local" / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# django-q2: the ORM broker on a bare machine; Redis when REDIS_URL is set (several workers).
REDIS_URL = env_str("REDIS_URL")
Q_CLUSTER: dict[str, object] = {
    "name": "evidencehub",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": env_int("Q_TIMEOUT", 1800),
    "retry": env_int("Q_TIMEOUT", 1800) + 60,
    "max_attempts": 1,
    "catch_up": False,
    "label": "Tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# Each registered provider's own settings (its base URLs per region, OAuth app...), declared in
# its package's conf.py: adding a provider needs no line here.
for _package in PROVIDER_PACKAGES:
    globals().update(import_module(f"{_package}.conf").settings())
UPSTREAM_TIMEOUT_SECONDS = float(env_str("UPSTREAM_TIMEOUT_SECONDS", "15"))
# One upstream call, its retries and waits included: a person waiting on a page (the wizard,
# the services step) gets an answer within the first; a background sync has the second.
UPSTREAM_INTERACTIVE_DEADLINE_SECONDS = float(
    env_str("UPSTREAM_INTERACTIVE_DEADLINE_SECONDS", "20")
)
UPSTREAM_SYNC_DEADLINE_SECONDS = float(env_str("UPSTREAM_SYNC_DEADLINE_SECONDS", "600"))
# A running sync writes a heartbeat with its progress, and while it waits on an upstream; one
# silent for this long lost its worker (killed, restarted): it is marked interrupted and no
# longer holds its connection. A live sync beats six times within it.
SYNC_STALE_AFTER_SECONDS = env_int("SYNC_STALE_AFTER_SECONDS", 60)
# Notifications' own settings (where alerts go, when a channel disables itself), declared in
# notifications/conf.py beside the code that reads them.
globals().update(import_module("notifications.conf").settings())
# The evidence export's: where finished ZIPs are kept, and for how long.
globals().update(import_module("evidence.conf").settings(local_dir=LOCAL_DIR))
# How long the wizard keeps retrying an upstream that answers 429/5xx or times out.
WIZARD_MAX_ATTEMPTS = env_int("WIZARD_MAX_ATTEMPTS", 3)

# Security headers. HTTPS is the production default; a TLS-terminating proxy sets
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# No framing, no script or style from anywhere but our own static files, none inline (htmx's
# indicator style is turned off in base.html and lives in app.css), no plugin, forms post here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# The product uses no browser feature beyond the page itself.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "publickey-credentials-get",
        "usb",
    )
}

# Sessions: signed out after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after
# signing in whatever happens (accounts/middleware.py); the cookie itself lasts no longer.
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_MAX_SECONDS = env_int("SESSION_MAX_HOURS", 12) * 3600
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS

# Single sign-on with OpenID Connect (accounts/sso), off unless the issuer and the client are
# set. The endpoints come from the issuer's discovery document (only ever that of OIDC_ISSUER),
# each replaceable by its own variable. OIDC_ROLE_GROUPS maps the IdP's group names to roles
# ("idp-group=admin,other=staff"); someone in none of them is refused, and their highest role is
# re-applied at every SSO sign-in. README, "Single sign-on (OIDC)".
OIDC_ISSUER = env_str("OIDC_ISSUER").strip().rstrip("/")
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID").strip()
OIDC_RP_CLIENT_SECRET = env_secret("OIDC_RP_CLIENT_SECRET")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "single sign-on")
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
OIDC_ROLE_GROUPS = env_pairs("OIDC_ROLE_GROUPS")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
# Users are matched by email, so an email the IdP has not verified could take over an account;
# for an IdP that never sends `email_verified` (its addresses are all its own), say so here.
OIDC_TRUST_UNVERIFIED_EMAIL = env_bool("OIDC_TRUST_UNVERIFIED_EMAIL", False)
_OIDC_PARTS = {"OIDC_ISSUER": OIDC_ISSUER, "OIDC_RP_CLIENT_ID": OIDC_RP_CLIENT_ID}
_OIDC_PARTS["OIDC_RP_CLIENT_SECRET"] = OIDC_RP_CLIENT_SECRET
if any(_OIDC_PARTS.values()) and not all(_OIDC_PARTS.values()):
    _missing = ", ".join(name for name, value in _OIDC_PARTS.items() if not value)
    raise ImproperlyConfigured(f"Single sign-on is half configured: set {_missing} too.")
if OIDC_ISSUER and not OIDC_ROLE_GROUPS:
    raise ImproperlyConfigured(
        "OIDC_ROLE_GROUPS is empty, so single sign-on would refuse everyone: map the IdP's "
        'groups to roles, e.g. "evidencehub-admins=admin,evidencehub-staff=staff".'
    )
_unknown_roles = sorted(set(OIDC_ROLE_GROUPS.values()) - {"admin", "auditor", "staff"})
if _unknown_roles:
    raise ImproperlyConfigured(
        f"OIDC_ROLE_GROUPS names the role {_unknown_roles[0]!r}; roles are admin, auditor, staff."
    )
# What mozilla-django-oidc reads: RS256 only, a nonce and PKCE on every sign-in.
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 15)

# Sign-in lockout (django-axes): AXES_FAILURE_LIMIT wrong passwords for one username, or from
# one address, lock that username or address for AXES_COOLOFF_MINUTES; a right password then
# gets the lockout page too. An admin unlocks on Settings → Users (or `axes_reset`).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a proxy, the client's address comes from the header it sets (e.g.
# HTTP_X_FORWARDED_FOR), and only when one is named: otherwise anyone could pick theirs.
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER")
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
# A wrong second-factor code counts as a failed sign-in (accounts/mfa_views.py); axes keeps what
# was posted with each failure, never the password nor a code (axes masks these).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

# Two-factor authentication (django-otp): the name authenticator apps show beside the account.
# Who must use it is the admin's policy on Settings → Users (accounts.models.MfaPolicy).
MFA_ISSUER = env_str("MFA_ISSUER", "EvidenceHub")
OTP_TOTP_ISSUER = MFA_ISSUER
# A session signed in through the OpenID Connect provider counts as two-factor: the provider
# enforces its own MFA (accounts/mfa.py, sso_satisfies_mfa).
MFA_TRUST_SSO = env_bool("MFA_TRUST_SSO", True)
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_str("SECURE_PROXY_SSL_HEADER"):
        SECURE_PROXY_SSL_HEADER = (env_str("SECURE_PROXY_SSL_HEADER"), "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # urllib3 logs full request lines at DEBUG; keep it quiet so nothing sensitive leaks.
    "loggers": {
        "urllib3": {"level": "WARNING"},
        # Axes logs each sign-in's reset of zero attempts at INFO; lockouts stay (WARNING).
        "axes": {"level": "WARNING"},
    },
}
