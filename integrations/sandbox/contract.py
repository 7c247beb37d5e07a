"""What the sandbox server and each provider's emulator promise each other.

The server knows no provider by name. It reads the provider packages from
`integrations.providers.registry.PACKAGES` and imports `<package>.sandbox.mount`, a module with:

    KEYS            the SandboxKeys fields (and `/_sandbox/keys` names) the provider adds, in order
    make_key(name, derive) -> str
                    the value of one of its keys; `derive(label)` is a UUID fixed by the seed
    KEY_FLAGS       `manage.py sandbox` flags that replace a key: (flag, key name, help)
    OPTION_FLAGS    `manage.py sandbox` flags for integer options of mount(): (flag, option, help)
    INCIDENT_OPTION the mount() option that sets how many incidents each region's account has
    mount(context, **options) -> Mounted
                    builds the provider's accounts and apps; its keyword-only parameters are
                    the options it accepts (SandboxServer passes on those it is given)

The keys are declared rather than returned by mount(): SandboxKeys is built from them when the
server module loads, and a server can be given its keys (e.g. `manage.py sandbox --key-us`)
before any account exists; mount() then reads them from its context. Like everything in the
sandbox, a mount module imports neither Django nor product code.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from integrations.sandbox.faults import Faults
from integrations.sandbox.timeline import AccountStore
from integrations.sandbox.wsgi import Request, Response, WSGIApp

Dataset = TypeVar("Dataset")


@dataclass(frozen=True)
class MountContext:
    """What the server shares with every provider's mount()."""

    seed: int
    users: int  # per region
    now: datetime  # the accounts' clock starts here
    keys: Mapping[str, str]  # every SandboxKeys field, by name
    faults: Faults  # one set for every emulated API
    clock: Callable[[], float]  # epoch seconds, for token expiry and rate windows
    derive: Callable[[str], uuid.UUID]  # a UUID fixed by the seed and the label
    base_url: Callable[[], str]  # the server's, once it is bound
    # `account(slug, region)`: the account of a provider mounted before this one (registry
    # order), as generated, or None. How one emulator's data continues another's (the JSM site
    # copies the incidents moved from OpsGenie's US account) without importing it.
    account: Callable[[str, str], AccountStore | None] = lambda slug, region: None

    def datasets(
        self, generate: Callable[..., Dataset], *, incidents: int, regions: Sequence[str]
    ) -> dict[str, Dataset]:
        """One generated account per region, from the shared seed, users and start time."""
        return {
            region: generate(
                seed=self.seed, incidents=incidents, users=self.users, region=region, now=self.now
            )
            for region in regions
        }

    def url_of(self, prefixes: Mapping[str, str], what: str) -> Callable[[str], str]:
        """`url(name)`: the server's URL of `prefixes[name]`, e.g. of a region's API; an
        unknown name is a ValueError, "Unknown <what> <name>"."""

        def url(name: str) -> str:
            if name not in prefixes:
                raise ValueError(f"Unknown {what} {name!r}")
            return self.base_url() + prefixes[name]

        return url


@dataclass(frozen=True)
class Control:
    """One endpoint of the control API, e.g. `/oauth` for `/_sandbox/oauth`."""

    path: str
    methods: tuple[str, ...]
    handler: Callable[[Request], Response]


@dataclass(frozen=True)
class Mounted:
    """What one provider's mount() gives the server."""

    slug: str  # its name in `/_sandbox/advance` ("provider"), as in the registry
    # Path prefix → WSGI app, e.g. "/acme/us". Each prefix is also listed in `/_sandbox/keys`
    # as "<prefix with _ for />_url", e.g. "acme_us_url".
    apps: Mapping[str, WSGIApp]
    # Region → the account `/_sandbox/advance` lets time pass in.
    stores: Mapping[str, AccountStore]
    # The lines `manage.py sandbox` prints about it, for the server's base URL.
    lines: Callable[[str], list[str]]
    # The product's settings that point at it (environment variable → value), for a base URL.
    env: Callable[[str], dict[str, str]]
    controls: tuple[Control, ...] = ()
    # The people of its first region's account now, as (name, email, role as the API names it):
    # what a demo staff directory is built from (`manage.py sandbox --print-staff-csv`).
    people: Callable[[], list[tuple[str, str, str]]] = lambda: []
    # Names the server answers as attributes, so tests can reach the accounts and apps
    # (e.g. `server.acme_stores["us"]`, `server.acme_url("eu")`).
    attributes: Mapping[str, Any] = field(default_factory=dict)


def settings_control(
    *,
    read: Callable[[], dict[str, Any]],
    change: Callable[[dict[str, Any]], dict[str, Any]],
    reset: Callable[[], dict[str, Any]],
    what: str,
) -> Callable[[Request], Response]:
    """A control endpoint over a set of settings: GET reads them, POST (a JSON object) changes
    some, DELETE resets them all; each answers the settings as they now are. `change` raises
    ValueError on a setting it refuses, which answers 400."""

    def handle(request: Request) -> Response:
        if request.method == "DELETE":
            return Response.json(200, reset())
        if request.method == "GET":
            return Response.json(200, read())
        try:
            settings = request.json()
            if not isinstance(settings, dict):
                raise ValueError(f"Send a JSON object of {what} settings")
            return Response.json(200, change(settings))
        except ValueError as error:  # json.JSONDecodeError is a ValueError
            return Response.json(400, {"message": str(error)})

    return handle
