"""The sandbox HTTP server: every emulated API under one port, plus a small control API.

The server names no provider. Each package in `integrations.providers.registry.PACKAGES` mounts
its emulator through `<package>.sandbox.mount` (the contract: `integrations.sandbox.contract`):
its apps under their path prefixes (`/<provider>/<region>/...` and whatever else it serves),
its accounts, its keys and its lines in the banner. The server adds the control API:

    /_sandbox/keys     GET: keys and base URLs
    /_sandbox/faults   GET / POST (JSON settings) / DELETE: read, set, clear faults
    /_sandbox/advance  POST (JSON options): let time pass upstream (incidents change, appear,
                       disappear; people join, leave, change role) in one region of one
                       provider; answers what changed
    /_sandbox/...      what a provider adds, e.g. /_sandbox/oauth for OAuth lifetimes

Beside the providers, it serves an OpenID Connect provider at /oidc (`integrations.sandbox.oidc`)
for the product's single sign-on.

The control API is unauthenticated: the sandbox is a loopback tool holding only synthetic data.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import inspect
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from socketserver import ThreadingMixIn
from types import ModuleType
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from integrations.providers.registry import PACKAGES
from integrations.sandbox import oidc, oidc_people
from integrations.sandbox.contract import MountContext, Mounted, settings_control
from integrations.sandbox.faults import Faults
from integrations.sandbox.names import start_of_day
from integrations.sandbox.timeline import AccountStore
from integrations.sandbox.wsgi import PrefixDispatcher, Request, Response, Router, StartResponse

# Each registered provider's `sandbox.mount` module, in registry order.
MOUNTS: tuple[ModuleType, ...] = tuple(
    importlib.import_module(f"{package}.sandbox.mount") for package in PACKAGES
)
ADVANCE_OPTIONS = ("provider", "region", "changed_fraction", "new", "deleted", "seed", "people")
# A fixed namespace makes the default keys a pure function of the seed, so docs, demos and a
# restarted sandbox all agree on them.
_KEY_NAMESPACE = uuid.UUID("5b0c8f0e-6a57-4c1e-9a43-0d1a2f6b7e11")


def _key_makers() -> dict[str, Callable[[str, Callable[[str], uuid.UUID]], str]]:
    makers: dict[str, Callable[[str, Callable[[str], uuid.UUID]], str]] = {}
    for module in MOUNTS:
        for name in module.KEYS:
            if name in makers:
                raise ValueError(f"Two providers' sandboxes declare the key {name!r}")
            makers[name] = module.make_key
    return makers


_KEY_MAKERS = _key_makers()


def derive(seed: int) -> Callable[[str], uuid.UUID]:
    """A UUID for each label, fixed by the seed: the source of default keys and account IDs."""
    return lambda label: uuid.uuid5(_KEY_NAMESPACE, f"{seed}:{label}")


class KeySet:
    """What SandboxKeys does; its fields are every provider's KEYS, in registry order."""

    @classmethod
    def from_seed(cls, seed: int) -> Any:
        return cls(**{name: make(name, derive(seed)) for name, make in _KEY_MAKERS.items()})

    def __post_init__(self) -> None:
        # Keys built by hand with only some fields (the first ones, positionally) still get
        # distinct others, derived from the first.
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        first = getattr(self, fields[0].name)
        seed = int(hashlib.sha256(first.encode()).hexdigest()[:8], 16)
        for f in fields:
            if not getattr(self, f.name):
                object.__setattr__(self, f.name, _KEY_MAKERS[f.name](f.name, derive(seed)))

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]


SandboxKeys = dataclasses.make_dataclass(
    "SandboxKeys",
    [(name, str, dataclasses.field(default="")) for name in _KEY_MAKERS],
    bases=(KeySet,),
    frozen=True,
)
SandboxKeys.__module__ = __name__


def display_host(host: str) -> str:
    # A wildcard bind address is not something a client can connect to; loopback is.
    return "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104


def _options_of(module: ModuleType) -> set[str]:
    """The options a provider's mount() takes: its keyword-only parameters."""
    parameters = inspect.signature(module.mount).parameters.values()
    return {p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}


def _url_name(prefix: str) -> str:
    """How /_sandbox/keys names a mount's base URL: "/acme/us" → "acme_us_url"."""
    return prefix.strip("/").replace("/", "_") + "_url"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        # The target as sent, before PATH_INFO's percent-decoding turns an encoded "/" inside
        # one segment (an OpsGenie alias, say) into a separator; gunicorn's name for it.
        environ["RAW_URI"] = self.path
        return environ

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Request logs would drown test and demo output."""


class SandboxServer:
    """All emulators on one threaded stdlib server; `start()` serves from a daemon thread.

    What each provider exposes for tests (its stores, its URLs) is answered as an attribute,
    e.g. `server.acme_stores["us"]`; see `Mounted.attributes`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int = 1,
        users: int = 30,
        keys: KeySet | None = None,
        now: datetime | None = None,
        clock: Callable[[], float] | None = None,
        **options: Any,
    ) -> None:
        """`options` go to the providers' mount() that take them (e.g. how many incidents an
        account has); `clock` (epoch seconds) drives what expires or is rate-limited, so tests
        can let time pass."""
        unknown = sorted(set(options).difference(*(_options_of(m) for m in MOUNTS)))
        if unknown:
            raise TypeError(f"No provider's sandbox takes the option {unknown[0]!r}")
        self.host = host
        self.port = port
        self.seed = seed
        self.now = start_of_day() if now is None else now
        self.keys = keys or SandboxKeys.from_seed(seed)
        self.faults = Faults()
        self.clock = clock or time.time
        context = MountContext(
            seed=seed,
            users=users,
            now=self.now,
            keys=self.keys.as_dict(),
            faults=self.faults,
            clock=self.clock,
            derive=derive(seed),
            base_url=lambda: self.base_url,
            account=lambda slug, region: mounted.get(slug, {}).get(region),
        )
        # Each provider's accounts once mounted, for the ones mounted after it (context.account).
        mounted: dict[str, Mapping[str, AccountStore]] = {}
        done: list[Mounted] = []
        for module in MOUNTS:
            given = {k: v for k, v in options.items() if k in _options_of(module)}
            done.append(module.mount(context, **given))
            mounted[done[-1].slug] = done[-1].stores
        self.mounted: tuple[Mounted, ...] = tuple(done)

        self.app = PrefixDispatcher({"/_sandbox": _ControlApp(self)})
        self.oidc_client_id, self.oidc_client_secret = oidc_people.client_credentials(derive(seed))
        self.oidc = oidc.OpenIDSandbox(
            client_id=self.oidc_client_id, client_secret=self.oidc_client_secret, clock=self.clock
        )
        self.app.mount(oidc_people.PREFIX, self.oidc)
        self._attributes: dict[str, Any] = {}
        for mounted in self.mounted:
            for prefix, app in mounted.apps.items():
                if "/" + prefix.strip("/") in self.app.mounts:
                    raise ValueError(f"Two apps are mounted at {prefix}")
                self.app.mount(prefix, app)
            for name, value in mounted.attributes.items():
                if name in self._attributes or name in vars(self) or hasattr(type(self), name):
                    raise ValueError(f"The sandbox already has an attribute {name!r}")
                self._attributes[name] = value
        self._httpd: _ThreadingWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._serving = threading.Event()

    def __getattr__(self, name: str) -> Any:
        # Only reached for names the class does not define: what the providers expose.
        attributes = self.__dict__.get("_attributes", {})
        if name in attributes:
            return attributes[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

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

    def describe(self, base_url: str | None = None) -> dict[str, Any]:
        """Keys and base URLs, as printed by `manage.py sandbox --print-keys` and served at
        /_sandbox/keys (with the host the caller reached us by)."""
        base_url = self.base_url if base_url is None else base_url
        urls = {
            _url_name(prefix): base_url + "/" + prefix.strip("/")
            for mounted in self.mounted
            for prefix in mounted.apps
        }
        urls["oidc_url"] = base_url + oidc_people.PREFIX
        return {"base_url": base_url, **urls, "keys": self.keys.as_dict()}

    def env(self, base_url: str | None = None) -> dict[str, str]:
        """The product's settings that point at this sandbox: environment variable → value."""
        base_url = self.base_url if base_url is None else base_url
        settings = {name: value for m in self.mounted for name, value in m.env(base_url).items()}
        return {
            **settings,
            **oidc_people.env(base_url, self.oidc_client_id, self.oidc_client_secret),
        }

    def lines(self, base_url: str | None = None) -> list[list[str]]:
        """Each provider's lines in the banner: its URLs and keys."""
        base_url = self.base_url if base_url is None else base_url
        providers = [mounted.lines(base_url) for mounted in self.mounted]
        return [*providers, oidc_people.lines(base_url, self.oidc_client_id)]

    def advance(
        self, region: str = "us", provider: str | None = None, **options: Any
    ) -> dict[str, Any]:
        """Let an hour pass in one region's account of one provider (the first registered by
        default); see `AccountStore.advance`."""
        accounts = {mounted.slug: mounted.stores for mounted in self.mounted}
        provider = next(iter(accounts)) if provider is None else provider
        if provider not in accounts:
            raise ValueError(f"Unknown provider {provider!r}; known: {', '.join(accounts)}")
        store = accounts[provider].get(region)
        if store is None:
            known = ", ".join(accounts[provider])
            raise ValueError(f"Unknown {provider} region {region!r}; known: {known}")
        return store.advance(**options)


class _ControlApp:
    """`/_sandbox/...`: never subject to faults, so a test can always switch them off again."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.router = Router()
        self.router.add("GET", "/keys", self._keys)
        faults = server.faults
        self.router.add(
            ("GET", "POST", "DELETE"),
            "/faults",
            settings_control(
                read=faults.snapshot,
                change=lambda settings: faults.set(**settings),
                reset=faults.clear,
                what="fault",
            ),
        )
        self.router.add("POST", "/advance", self._advance)
        for mounted in server.mounted:
            for control in mounted.controls:
                if self.router.match("GET", control.path) is not None:
                    raise ValueError(f"Two controls at /_sandbox{control.path}")
                self.router.add(control.methods, control.path, control.handler)

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
        return Response.json(200, self.server.describe(request.host_url))

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
