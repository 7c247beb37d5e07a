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

Like everything in the sandbox, a mount module imports neither Django nor product code.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from integrations.sandbox.faults import Faults
from integrations.sandbox.timeline import AccountStore
from integrations.sandbox.wsgi import Request, Response, WSGIApp


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
    # Names the server answers as attributes, so tests can reach the accounts and apps
    # (e.g. `server.acme_stores["us"]`, `server.acme_url("eu")`).
    attributes: Mapping[str, Any] = field(default_factory=dict)
