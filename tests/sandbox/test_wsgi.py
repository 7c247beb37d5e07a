"""The framework-free plumbing every emulator mounts on."""

from __future__ import annotations

import io
from typing import Any

from integrations.sandbox.wsgi import PrefixDispatcher, Request, Response, Router


def _environ(path: str, query: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8810",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        **extra,
    }


def _seen_by_mount(environ: dict[str, Any]) -> Request:
    seen: list[Request] = []

    def app(env: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(Request.from_environ(env))
        return Response.json(200, {})(start_response)

    PrefixDispatcher({"/opsgenie/us": app, "/opsgenie": app})(environ, lambda *a: None)
    return seen[0]


def test_the_longest_mount_prefix_wins_and_moves_into_the_root_url():
    request = _seen_by_mount(_environ("/opsgenie/us/v1/incidents", HTTP_HOST="sb.test:9"))

    assert request.path == "/v1/incidents"
    assert request.root_url == "http://sb.test:9/opsgenie/us"


def test_the_host_falls_back_to_the_server_address_without_a_host_header():
    assert _seen_by_mount(_environ("/opsgenie/us/x")).host_url == "http://127.0.0.1:8810"


def test_a_proxy_can_say_the_client_used_https():
    request = _seen_by_mount(
        _environ(
            "/opsgenie/us/x",
            HTTP_HOST="127.0.0.1:8810",
            HTTP_X_FORWARDED_PROTO="https",
            HTTP_X_FORWARDED_HOST="api.sandbox.test",
        )
    )

    assert request.root_url == "https://api.sandbox.test/opsgenie/us"


def test_query_parameters_keep_every_value_in_order():
    request = Request.from_environ(_environ("/", "tag=a&tag=b&empty="))

    assert request.query == {"tag": ["a", "b"], "empty": [""]}
    assert request.arg("tag") == "a"
    assert request.arg("missing") is None


def test_routes_ignore_a_trailing_slash_and_report_allowed_methods():
    router = Router()
    router.add("GET", "/v1/incidents/{identifier}", lambda request, identifier: identifier)

    match = router.match("GET", "/v1/incidents/abc/")
    wrong_method = router.match("POST", "/v1/incidents/abc")

    assert match is not None and match.params == {"identifier": "abc"}
    assert wrong_method is not None and wrong_method.handler is None
    assert wrong_method.allowed == {"GET"}
    assert router.match("GET", "/v1/incidents/abc/notes") is None


def test_nothing_mounted_answers_a_json_404():
    statuses: list[str] = []
    body = PrefixDispatcher({})(
        _environ("/elsewhere"), lambda status, headers: statuses.append(status)
    )

    assert statuses == ["404 Not Found"]
    assert b"Nothing is mounted" in b"".join(body)
