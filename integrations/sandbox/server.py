"""The sandbox HTTP server: every emulated API under one port, plus a small control API.

    /opsgenie/us/...   OpsGenie, US region (stands in for https://api.opsgenie.com)
    /opsgenie/eu/...   OpsGenie, EU region (stands in for https://api.eu.opsgenie.com)
    /pagerduty/us/...  PagerDuty REST API v2, US region (stands in for https://api.pagerduty.com)
    /pagerduty/eu/...  PagerDuty, EU region (stands in for https://api.eu.pagerduty.com)
    /pagerduty/identity/...  PagerDuty OAuth 2.0 identity server, both regions (stands in for
                       https://identity.pagerduty.com): /oauth/authorize, /oauth/token,
                       /global/oauth/anonymous/jwks
    /_sandbox/keys     GET: keys and base URLs
    /_sandbox/faults   GET / POST (JSON settings) / DELETE: read, set, clear faults
    /_sandbox/advance  POST (JSON options): let time pass upstream (incidents change, appear,
                       disappear); answers what changed
    /_sandbox/oauth    GET / POST (JSON settings) / DELETE: read, set, reset the lifetimes of
                       new OAuth codes and access tokens

The control API is unauthenticated: the sandbox is a loopback tool holding only synthetic data.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from integrations.providers.opsgenie.sandbox.app import KeyAccess, OpsGenieSandbox
from integrations.providers.opsgenie.sandbox.data import OpsGenieStore, generate_dataset
from integrations.providers.pagerduty.sandbox.app import Credential, PagerDutySandbox
from integrations.providers.pagerduty.sandbox.app import KeyAccess as PagerDutyAccess
from integrations.providers.pagerduty.sandbox.data import SUBDOMAIN, PagerDutyStore
from integrations.providers.pagerduty.sandbox.data import (
    generate_dataset as generate_pagerduty_dataset,
)
from integrations.providers.pagerduty.sandbox.identity import (
    OAuthAccount,
    OAuthClient,
    PagerDutyIdentitySandbox,
)
from integrations.sandbox.faults import FaultConfigError, Faults
from integrations.sandbox.names import start_of_day
from integrations.sandbox.timeline import AccountStore
from integrations.sandbox.wsgi import PrefixDispatcher, Request, Response, Router, StartResponse

OPSGENIE_REGIONS = ("us", "eu")
PAGERDUTY_REGIONS = ("us", "eu")
PROVIDERS = ("opsgenie", "pagerduty")
PAGERDUTY_IDENTITY_PATH = "/pagerduty/identity"
# The consent page's choice of account; the subdomain is the one the REST data's html_url links
# name, so the redirect, the ID token and GET /users/me agree about the account.
PAGERDUTY_ACCOUNT_LABEL = "EvidenceHub sandbox ({region}) — subdomain {subdomain}"
ADVANCE_OPTIONS = ("provider", "region", "changed_fraction", "new", "deleted", "seed")
# Scopes of the Scoped-OAuth token that may read everything but incidents (403 on incidents).
PAGERDUTY_NO_INCIDENT_SCOPES = frozenset({"services.read", "users.read", "teams.read"})
# A fixed namespace makes the default keys a pure function of the seed, so docs, demos and a
# restarted sandbox all agree on them.
_KEY_NAMESPACE = uuid.UUID("5b0c8f0e-6a57-4c1e-9a43-0d1a2f6b7e11")


@dataclasses.dataclass(frozen=True)
class SandboxKeys:
    opsgenie_us: str
    opsgenie_eu: str
    opsgenie_no_incident_access: str
    opsgenie_no_incident_api_plan: str
    # PagerDuty account REST API keys (`Authorization: Token token=...`).
    pagerduty_us: str = ""
    pagerduty_eu: str = ""
    pagerduty_no_incident_ability: str = ""  # US account without the incident ability: 402
    # PagerDuty OAuth access tokens (`Authorization: Bearer ...`), acting as a user.
    pagerduty_us_oauth: str = ""
    pagerduty_eu_oauth: str = ""
    pagerduty_no_incident_scope_oauth: str = ""  # US token without incidents.read: 403
    # The OAuth app registered with the identity server (/pagerduty/identity).
    pagerduty_client_id: str = ""
    pagerduty_client_secret: str = ""

    @classmethod
    def from_seed(cls, seed: int) -> SandboxKeys:
        values = {f.name: _derived_key(seed, f.name) for f in dataclasses.fields(cls)}
        return cls(**values)

    def __post_init__(self) -> None:
        # Keys built by hand with only the OpsGenie fields still get distinct PagerDuty ones.
        for f in dataclasses.fields(self):
            if not getattr(self, f.name):
                seed = int(hashlib.sha256(self.opsgenie_us.encode()).hexdigest()[:8], 16)
                object.__setattr__(self, f.name, _derived_key(seed, f.name))

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


def _derived_key(seed: int, name: str) -> str:
    derived = uuid.uuid5(_KEY_NAMESPACE, f"{seed}:{name}")
    if not name.startswith("pagerduty_"):
        return str(derived)
    if name.endswith("_oauth"):
        # The shape of PagerDuty's OAuth access tokens (reference §1.2).
        return f"pdus+_0XBPWQQ_{derived}"
    # Guess: the shapes of an OAuth app's client ID and secret are undocumented.
    if name.endswith("_client_id"):
        return str(derived)
    if name.endswith("_client_secret"):
        return derived.hex + uuid.uuid5(_KEY_NAMESPACE, f"{seed}:{name}:2").hex
    # 20 characters, like the account API key in PagerDuty's docs.
    return derived.hex[:20]


def describe(base_url: str, keys: SandboxKeys) -> dict[str, Any]:
    """Keys and base URLs, as printed by `manage.py sandbox` and served at /_sandbox/keys."""
    return {
        "base_url": base_url,
        **{f"opsgenie_{region}_url": opsgenie_url(base_url, region) for region in OPSGENIE_REGIONS},
        **{
            f"pagerduty_{region}_url": pagerduty_url(base_url, region)
            for region in PAGERDUTY_REGIONS
        },
        "pagerduty_identity_url": pagerduty_identity_url(base_url),
        "keys": keys.as_dict(),
    }


def opsgenie_url(base_url: str, region: str) -> str:
    if region not in OPSGENIE_REGIONS:
        raise ValueError(f"Unknown OpsGenie region {region!r}")
    return f"{base_url}/opsgenie/{region}"


def pagerduty_url(base_url: str, region: str) -> str:
    if region not in PAGERDUTY_REGIONS:
        raise ValueError(f"Unknown PagerDuty region {region!r}")
    return f"{base_url}/pagerduty/{region}"


def pagerduty_identity_url(base_url: str) -> str:
    return base_url + PAGERDUTY_IDENTITY_PATH


def display_host(host: str) -> str:
    # A wildcard bind address is not something a client can connect to; loopback is.
    return "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Request logs would drown test and demo output."""


class SandboxServer:
    """All emulators on one threaded stdlib server; `start()` serves from a daemon thread."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int = 1,
        incidents: int = 200,
        users: int = 30,
        keys: SandboxKeys | None = None,
        now: datetime | None = None,
        pagerduty_incidents: int = 300,
        clock: Callable[[], float] | None = None,
        pagerduty_redirect_uris: tuple[str, ...] | None = None,
    ) -> None:
        """`clock` (epoch seconds) drives OAuth code and token expiry and the PagerDuty rate
        windows, so tests can let time pass; `pagerduty_redirect_uris=None` lets the OAuth app
        redirect to any http(s) URI."""
        self.host = host
        self.port = port
        self.seed = seed
        self.now = start_of_day() if now is None else now
        self.keys = keys or SandboxKeys.from_seed(seed)
        self.faults = Faults()
        self.clock = clock or time.time
        self.opsgenie_stores = {
            region: OpsGenieStore(
                generate_dataset(
                    seed=seed, incidents=incidents, users=users, region=region, now=self.now
                )
            )
            for region in OPSGENIE_REGIONS
        }
        self.pagerduty_stores = {
            region: PagerDutyStore(
                generate_pagerduty_dataset(
                    seed=seed,
                    incidents=pagerduty_incidents,
                    users=users,
                    region=region,
                    now=self.now,
                )
            )
            for region in PAGERDUTY_REGIONS
        }
        self.app = PrefixDispatcher({"/_sandbox": _ControlApp(self)})
        for region, store in self.opsgenie_stores.items():
            handler = OpsGenieSandbox(
                store=store, keys=self._opsgenie_keys(region), faults=self.faults
            )
            self.app.mount(f"/opsgenie/{region}", handler)
        accounts = []
        for region, pd_store in self.pagerduty_stores.items():
            api_keys, tokens = self._pagerduty_credentials(region, pd_store)
            pd_handler = PagerDutySandbox(
                store=pd_store,
                api_keys=api_keys,
                oauth_tokens=tokens,
                faults=self.faults,
                clock=self.clock,
            )
            self.app.mount(f"/pagerduty/{region}", pd_handler)
            accounts.append(self._pagerduty_account(region, pd_store, pd_handler))
        client = OAuthClient(
            self.keys.pagerduty_client_id,
            self.keys.pagerduty_client_secret,
            redirect_uris=pagerduty_redirect_uris,
        )
        self.pagerduty_identity = PagerDutyIdentitySandbox(
            clients=[client], accounts=accounts, clock=self.clock
        )
        self.app.mount(PAGERDUTY_IDENTITY_PATH, self.pagerduty_identity)
        self._httpd: _ThreadingWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._serving = threading.Event()

    def _opsgenie_keys(self, region: str) -> dict[str, KeyAccess]:
        if region == "eu":
            return {self.keys.opsgenie_eu: KeyAccess.FULL}
        return {
            self.keys.opsgenie_us: KeyAccess.FULL,
            self.keys.opsgenie_no_incident_access: KeyAccess.NO_INCIDENT_ACCESS,
            self.keys.opsgenie_no_incident_api_plan: KeyAccess.NO_INCIDENT_PLAN,
        }

    def _pagerduty_account(
        self, region: str, store: PagerDutyStore, handler: PagerDutySandbox
    ) -> OAuthAccount:
        """The account a tester approves OAuth as; its tokens go to that region's API."""
        account_id = uuid.uuid5(_KEY_NAMESPACE, f"{self.seed}:pagerduty_account:{region}")
        return OAuthAccount(
            key=region,
            region=region,
            label=PAGERDUTY_ACCOUNT_LABEL.format(region=region.upper(), subdomain=SUBDOMAIN),
            subdomain=SUBDOMAIN,
            account_id="P" + account_id.hex[:6].upper(),  # the shape of PagerDuty IDs
            user_id=_pagerduty_admin_id(store),
            api_path=f"/pagerduty/{region}",
            tokens=handler.oauth_tokens,
        )

    def _pagerduty_credentials(
        self, region: str, store: PagerDutyStore
    ) -> tuple[dict[str, PagerDutyAccess], dict[str, Credential]]:
        user_id = _pagerduty_admin_id(store)
        keys = self.keys
        if region == "eu":
            return (
                {keys.pagerduty_eu: PagerDutyAccess.FULL},
                {keys.pagerduty_eu_oauth: Credential(user_id=user_id)},
            )
        return (
            {
                keys.pagerduty_us: PagerDutyAccess.FULL,
                keys.pagerduty_no_incident_ability: PagerDutyAccess.NO_INCIDENT_ABILITY,
            },
            {
                keys.pagerduty_us_oauth: Credential(user_id=user_id),
                keys.pagerduty_no_incident_scope_oauth: Credential(
                    user_id=user_id, scopes=PAGERDUTY_NO_INCIDENT_SCOPES
                ),
            },
        )

    def bind(self) -> SandboxServer:
        """Open the listening socket (resolving port 0) without serving yet."""
        if self._httpd is None:
            self._httpd = make_server(
                self.host,
                self.port,
                self.app,
                server_class=_ThreadingWSGIServer,
                handler_class=_QuietHandler,
            )
            self.port = self._httpd.server_address[1]
        return self

    def start(self) -> SandboxServer:
        self.bind()
        assert self._httpd is not None
        self._serving.set()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sandbox:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve from the calling thread until interrupted (used by `manage.py sandbox`)."""
        self.bind()
        assert self._httpd is not None
        httpd = self._httpd
        self._serving.set()
        try:
            httpd.serve_forever(poll_interval=0.2)
        finally:
            self._serving.clear()
            httpd.server_close()
            if self._httpd is httpd:
                self._httpd = None

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            # shutdown() waits for the serve loop to end, so it would hang on a socket that was
            # bound but never served.
            if self._serving.is_set():
                httpd.shutdown()
                self._serving.clear()
            httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None and self.port == 0:
            raise RuntimeError("The sandbox has no port yet; call start() or bind() first")
        return f"http://{display_host(self.host)}:{self.port}"

    def opsgenie_url(self, region: str) -> str:
        return opsgenie_url(self.base_url, region)

    def pagerduty_url(self, region: str) -> str:
        return pagerduty_url(self.base_url, region)

    def pagerduty_identity_url(self) -> str:
        return pagerduty_identity_url(self.base_url)

    def describe(self) -> dict[str, Any]:
        return describe(self.base_url, self.keys)

    def advance(
        self, region: str = "us", provider: str = "opsgenie", **options: Any
    ) -> dict[str, Any]:
        """Let an hour pass in one region's account; see `AccountStore.advance`."""
        accounts: dict[str, dict[str, AccountStore]] = {
            "opsgenie": dict(self.opsgenie_stores),
            "pagerduty": dict(self.pagerduty_stores),
        }
        if provider not in accounts:
            raise ValueError(f"Unknown provider {provider!r}; known: {', '.join(PROVIDERS)}")
        store = accounts[provider].get(region)
        if store is None:
            known = ", ".join(accounts[provider])
            raise ValueError(f"Unknown {provider} region {region!r}; known: {known}")
        return store.advance(**options)


def _pagerduty_admin_id(store: PagerDutyStore) -> str | None:
    users = store.users()
    # OAuth tokens act as the account's first admin (or owner), the user who connected it.
    admin = next((u for u in users if u["role"] == "admin"), users[0] if users else None)
    return admin["id"] if admin else None


class _ControlApp:
    """`/_sandbox/...`: never subject to faults, so a test can always switch them off again."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.router = Router()
        self.router.add("GET", "/keys", self._keys)
        self.router.add(("GET", "POST", "DELETE"), "/faults", self._faults)
        self.router.add("POST", "/advance", self._advance)
        self.router.add(("GET", "POST", "DELETE"), "/oauth", self._oauth)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        request = Request.from_environ(environ)
        match = self.router.match(request.method, request.path)
        if match is None:
            response = Response.json(404, {"message": f"No sandbox control at {request.path}"})
        elif match.handler is None:
            response = Response.json(
                405, {"message": "Method not allowed"}, [("Allow", ", ".join(match.allowed))]
            )
        else:
            response = match.handler(request)
        return response(start_response)

    def _keys(self, request: Request) -> Response:
        # Links use the host the caller reached us by, which may differ from our bind address.
        return Response.json(200, describe(request.host_url, self.server.keys))

    def _faults(self, request: Request) -> Response:
        faults = self.server.faults
        if request.method == "DELETE":
            return Response.json(200, faults.clear())
        if request.method == "GET":
            return Response.json(200, faults.snapshot())
        try:
            settings = request.json()
            if not isinstance(settings, dict):
                raise FaultConfigError("Send a JSON object of fault settings")
            return Response.json(200, faults.set(**settings))
        except (ValueError, FaultConfigError) as error:  # json.JSONDecodeError is a ValueError
            return Response.json(400, {"message": str(error)})

    def _advance(self, request: Request) -> Response:
        try:
            options = request.json()
            if not isinstance(options, dict):
                raise ValueError("Send a JSON object of options")
            unknown = sorted(set(options) - set(ADVANCE_OPTIONS))
            if unknown:
                raise ValueError(
                    f"Unknown option {unknown[0]!r}; known: {', '.join(ADVANCE_OPTIONS)}"
                )
            for name in ("region", "provider"):
                if not isinstance(options.get(name, ""), str):
                    raise ValueError(f"{name} must be a string")
            return Response.json(200, self.server.advance(**options))
        except ValueError as error:  # json.JSONDecodeError is a ValueError
            return Response.json(400, {"message": str(error)})

    def _oauth(self, request: Request) -> Response:
        identity = self.server.pagerduty_identity
        if request.method == "DELETE":
            return Response.json(200, identity.reset())
        if request.method == "GET":
            return Response.json(200, identity.settings())
        try:
            settings = request.json()
            if not isinstance(settings, dict):
                raise ValueError("Send a JSON object of OAuth settings")
            return Response.json(200, identity.configure(settings))
        except ValueError as error:  # json.JSONDecodeError is a ValueError
            return Response.json(400, {"message": str(error)})
