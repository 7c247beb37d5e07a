"""Just enough WSGI plumbing for the sandbox: a request view, a JSON response, a path router.

Stdlib only, so the emulators stay independent of the Django project they help to test.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Request:
    """A decoded WSGI request, with the path relative to the mount point it arrived through."""

    method: str
    path: str
    query_items: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    # Scheme and host exactly as the client addressed us, so links we hand out lead back here
    # even behind port forwarding (e.g. `docker run -p 9000:8810`).
    host_url: str
    # Mount prefix (SCRIPT_NAME) the dispatcher shifted off the path, e.g. "/acme/us".
    script_name: str = ""

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any]) -> Request:
        headers = {
            name[5:].replace("_", "-").lower(): value
            for name, value in environ.items()
            if name.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        raw_path = environ.get("PATH_INFO", "") or "/"
        # PEP 3333 hands us the path as latin-1 decoded bytes; undo that to get real UTF-8.
        path = raw_path.encode("latin-1").decode("utf-8", errors="replace")
        return cls(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=path,
            query_items=tuple(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)),
            headers=headers,
            body=body,
            host_url=_host_url(environ),
            script_name=environ.get("SCRIPT_NAME", ""),
        )

    @property
    def root_url(self) -> str:
        """Absolute URL of the mount point, e.g. `http://127.0.0.1:8810/acme/us`."""
        return self.host_url + self.script_name

    @property
    def query(self) -> dict[str, list[str]]:
        values: dict[str, list[str]] = {}
        for name, value in self.query_items:
            values.setdefault(name, []).append(value)
        return values

    def arg(self, name: str) -> str | None:
        """First value of a query parameter, or None when absent."""
        for key, value in self.query_items:
            if key == name:
                return value
        return None

    def json(self) -> Any:
        """The body parsed as JSON; an empty body reads as an empty object."""
        if not self.body.strip():
            return {}
        return json.loads(self.body)


def _host_url(environ: Mapping[str, Any]) -> str:
    # A TLS-terminating proxy in front of the sandbox (clients such as Airbyte's force https)
    # says what the client really used; the sandbox is a loopback tool, so trusting it is fine.
    scheme = environ.get("HTTP_X_FORWARDED_PROTO") or environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST")
    if not host:
        host = environ.get("SERVER_NAME", "localhost")
        port = str(environ.get("SERVER_PORT", ""))
        if port and port != {"http": "80", "https": "443"}.get(scheme):
            host = f"{host}:{port}"
    return f"{scheme.split(',')[0].strip()}://{host.split(',')[0].strip()}"


class HttpProblem(Exception):
    """An error answer raised from deep inside an emulator's handler: its status and the JSON
    body the upstream sends (each emulator shapes the body as its upstream does)."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(str(body))
        self.status = status
        self.body = body


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return cls(status, body, [("Content-Type", "application/json"), *headers])

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    def __call__(self, start_response: StartResponse) -> list[bytes]:
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(self.body))))
        start_response(status_line(self.status), headers)
        return [self.body]


def status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


Handler = Callable[..., Any]


@dataclass(frozen=True)
class Route:
    methods: frozenset[str]
    segments: tuple[str, ...]
    handler: Handler


@dataclass(frozen=True)
class RouteMatch:
    handler: Handler | None  # None: the path exists but not for this method
    params: dict[str, str]
    allowed: frozenset[str]


class Router:
    """Maps `/v1/incidents/{identifier}`-style patterns to handlers.

    A trailing slash is not significant: an official Python SDK calls `/v1/incidents/` while
    other clients call `/v1/incidents`, and the upstream serves both.
    """

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, methods: str | Iterable[str], pattern: str, handler: Handler) -> None:
        names = {methods} if isinstance(methods, str) else set(methods)
        self._routes.append(Route(frozenset(m.upper() for m in names), _split(pattern), handler))

    def match(self, method: str, path: str) -> RouteMatch | None:
        segments = _split(path)
        allowed: set[str] = set()
        for route in self._routes:
            params = _match_segments(route.segments, segments)
            if params is None:
                continue
            if method.upper() in route.methods:
                return RouteMatch(route.handler, params, route.methods)
            allowed |= route.methods
        if allowed:
            return RouteMatch(None, {}, frozenset(allowed))
        return None


def _split(path: str) -> tuple[str, ...]:
    return tuple(part for part in path.split("/") if part)


def _match_segments(pattern: tuple[str, ...], path: tuple[str, ...]) -> dict[str, str] | None:
    if len(pattern) != len(path):
        return None
    params: dict[str, str] = {}
    for expected, actual in zip(pattern, path, strict=True):
        if expected.startswith("{") and expected.endswith("}"):
            params[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return params


class PrefixDispatcher:
    """Sends each request to the WSGI app mounted at the longest matching path prefix.

    The prefix moves from PATH_INFO to SCRIPT_NAME, as WSGI intends, so every mounted app sees
    paths relative to its own root and can still build absolute links to itself.
    """

    def __init__(self, mounts: Mapping[str, WSGIApp] | None = None) -> None:
        self.mounts: dict[str, WSGIApp] = {}
        for prefix, app in (mounts or {}).items():
            self.mount(prefix, app)

    def mount(self, prefix: str, app: WSGIApp) -> None:
        self.mounts["/" + prefix.strip("/")] = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        for prefix in sorted(self.mounts, key=len, reverse=True):
            if path == prefix or path.startswith(prefix + "/"):
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
                environ["PATH_INFO"] = path[len(prefix) :]
                return self.mounts[prefix](environ, start_response)
        return Response.json(404, {"message": f"Nothing is mounted at {path}"})(start_response)
