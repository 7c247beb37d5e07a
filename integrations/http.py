"""The one chokepoint for outbound HTTP (STYLE 3).

Every upstream call goes through ``UpstreamSession`` (``get_json``, ``post_json``, ``post_form``):
a timeout on every request and a total deadline on every call, bounded retries with capped
exponential backoff for 5xx, timeouts, resets and malformed bodies, waits for 429 as the
upstream's headers say, and failures turned into ``UpstreamError`` with a ``permanent`` flag.

Secrets travel only in headers set by the caller; nothing here logs headers, and error messages
carry the status and the upstream's own message, never the request. That message is redacted
(``integrations.redaction``) as the error is made: an upstream or proxy that repeats the key it
was sent finds it replaced before anything stores, logs or shows the text.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

from integrations.redaction import form_secrets, header_secrets, redact

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0
MAX_RATE_LIMIT_WAIT_SECONDS = 120.0
MAX_UPSTREAM_MESSAGE = 300


class ErrorKind(StrEnum):
    UNAUTHORIZED = "unauthorized"  # 401
    PAYMENT_REQUIRED = "payment_required"  # 402
    FORBIDDEN = "forbidden"  # 403
    RATE_LIMITED = "rate_limited"  # 429 after every retry
    UNAVAILABLE = "unavailable"  # 5xx, timeout, connection reset, after every retry
    MALFORMED = "malformed"  # 2xx whose body is not the JSON we expect
    HTTP = "http"  # any other status


PERMANENT_KINDS = frozenset(
    {ErrorKind.UNAUTHORIZED, ErrorKind.PAYMENT_REQUIRED, ErrorKind.FORBIDDEN}
)


class UpstreamError(Exception):
    def __init__(
        self,
        kind: ErrorKind,
        *,
        status: int | None = None,
        message: str = "",
        code: int | str | None = None,
        attempts: int = 1,
    ) -> None:
        self.kind = kind
        self.status = status
        self.message = message
        self.code = code
        self.attempts = attempts
        super().__init__(self.describe())

    @property
    def permanent(self) -> bool:
        """Permanent errors need a person (new key, permissions, plan); retrying cannot help."""
        return self.kind in PERMANENT_KINDS or self.status == 422

    def describe(self) -> str:
        status = f"HTTP {self.status}" if self.status else self.kind.value
        return f"{status}: {self.message}" if self.message else status


@dataclass
class CallStats:
    """Counted across calls so a sync run can report its HTTP calls and retries."""

    calls: int = 0
    retries: int = 0


class SharedDeadline:
    """One time budget for several calls: a wizard step that probes both regions still answers
    within the interactive deadline, not within one deadline per probe."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] | None = None) -> None:
        self.clock = clock or time.monotonic
        self.ends_at = self.clock() + seconds

    def remaining(self) -> float:
        return max(self.ends_at - self.clock(), 0.001)


@dataclass
class UpstreamResponse:
    status: int
    data: Any
    headers: Mapping[str, str]


@dataclass
class UpstreamSession:
    """A requests session bound to one upstream's headers and retry policy.

    ``rate_limit_wait`` reads a 429's headers and returns how many seconds to wait (each provider
    names its headers differently); ``sleep`` and ``clock`` are injectable so tests never really
    wait. ``deadline`` bounds one call, retries and waits included: a person waiting on a page
    gets an answer within it (UPSTREAM_INTERACTIVE_DEADLINE_SECONDS), a background sync keeps a
    longer budget (UPSTREAM_SYNC_DEADLINE_SECONDS).
    """

    headers: Mapping[str, str]
    rate_limit_wait: Callable[[Mapping[str, str]], float | None] = lambda headers: None
    max_attempts: int = 5
    timeout: float = field(default_factory=lambda: settings.UPSTREAM_TIMEOUT_SECONDS)
    backoff_base: float = field(
        default_factory=lambda: getattr(settings, "UPSTREAM_RETRY_BASE_SECONDS", 1.0)
    )
    deadline: float | None = field(
        default_factory=lambda: getattr(settings, "UPSTREAM_SYNC_DEADLINE_SECONDS", None)
    )
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    stats: CallStats = field(default_factory=CallStats)

    def __post_init__(self) -> None:
        self._session = requests.Session()
        self._session.headers.update({"Accept": "application/json", **self.headers})
        # What this session sends that an upstream's error text must never carry back to us.
        self._secrets = header_secrets(self.headers)
        # Credentials are only ever sent to the host they were saved for: redirects are never
        # followed (allow_redirects=False below). Proxy and CA settings from the environment
        # still apply, for operators behind a corporate proxy (_proxies_for, and the CA bundle
        # here), as requests reads them; but not a ~/.netrc, which requests would also read at
        # every call, and whose entry for the upstream's host would replace the key's own
        # Authorization header with its login. Its two file lookups a call were also, in a
        # sync's page-reading thread, two waits for the interpreter lock held by the writing
        # thread: 0.15 s of a first sync of 20,000 OpsGenie incidents (py-spy).
        self._session.trust_env = False
        self._session.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self._proxies: dict[str, dict[str, str]] = {}

    def close(self) -> None:
        self._session.close()

    def _proxies_for(self, url: str) -> dict[str, str]:
        """The environment's proxies for ``url``'s origin (``HTTPS_PROXY``, ``HTTP_PROXY``,
        ``ALL_PROXY``), none where ``NO_PROXY`` leaves it out, as requests reads them. Read once
        per origin and session, not at every call: scanning the environment took 83 µs a call
        (35 variables), in a sync's page-reading thread, holding the interpreter lock."""
        scheme, host = urlsplit(url)[:2]
        origin = f"{scheme}://{host}"
        if origin not in self._proxies:
            self._proxies[origin] = requests.utils.get_environ_proxies(origin)
        return self._proxies[origin]

    def get_json(
        self, url: str, params: Mapping[str, Any] | None = None, *, require: str | None = None
    ) -> UpstreamResponse:
        """GET a JSON answer. A body that is not JSON (cut short, an HTML error page), or with
        ``require`` a JSON object without that list, is retried like a 5xx: proxies and
        overloaded upstreams send such pages, and the next attempt usually reads fine."""
        return self._call("GET", url, params=params, ok=range(200, 300), require=require)

    def post_json(
        self, url: str, body: Mapping[str, Any], *, ok: Collection[int]
    ) -> UpstreamResponse:
        """POST a JSON body; ``ok`` names the statuses that mean it was accepted (OpsGenie
        answers 202 to a new alert). 429 and 5xx are retried as for a read, within the same
        deadline; any other status raises. The answer's body is parsed when it is JSON, and
        is None otherwise: the upstream accepted the write, which is what the caller asked."""
        return self._call("POST", url, json_body=dict(body), ok=ok)

    def _call(
        self,
        method: str,
        url: str,
        *,
        ok: Collection[int],
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
        require: str | None = None,
    ) -> UpstreamResponse:
        ends_at = None if self.deadline is None else self.clock() + self.deadline
        attempt = 0
        while True:
            attempt += 1
            self.stats.calls += 1
            timeout = self.timeout
            if ends_at is not None:
                timeout = max(min(timeout, ends_at - self.clock()), 0.001)
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    timeout=timeout,
                    allow_redirects=False,
                    proxies=self._proxies_for(url),
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                failure = UpstreamError(
                    ErrorKind.UNAVAILABLE, message=_network_message(exc), attempts=attempt
                )
                wait = self._backoff(attempt)
            else:
                status = response.status_code
                if status in ok:
                    if method != "GET":
                        return UpstreamResponse(status, _json_or_none(response), response.headers)
                    try:
                        data = _parse_json(response, attempt, require=require)
                    except UpstreamError as malformed:
                        failure, wait = malformed, self._backoff(attempt)
                    else:
                        return UpstreamResponse(status, data, response.headers)
                else:
                    failure = _error_from_response(response, attempt, self._secrets)
                    if status == 429:
                        hinted = self.rate_limit_wait(response.headers)
                        wait = (
                            min(hinted, MAX_RATE_LIMIT_WAIT_SECONDS)
                            if hinted is not None
                            else self._backoff(attempt)
                        )
                    elif status >= 500 and status != 501:
                        wait = self._backoff(attempt)
                    else:
                        raise failure
            if attempt >= self.max_attempts:
                raise failure
            if ends_at is not None and self.clock() + wait >= ends_at:
                # Waiting would pass the deadline: say now what the last attempt said.
                raise failure
            self.stats.retries += 1
            logger.info("upstream %s, retrying in %.1fs", failure.describe(), wait)
            self.sleep(wait)

    def post_form(
        self, url: str, data: Mapping[str, str], *, json_answer: bool = True
    ) -> UpstreamResponse:
        """One form POST (OAuth token and revoke requests). Never retried: the upstream may have
        used up a one-time code or rotated a refresh token even when its answer was lost. A 4xx
        answer is returned for the caller to read (OAuth errors have their own body; redact it
        with ``form_secrets(data)``); 5xx, a timeout or a reset raise UNAVAILABLE. Without
        ``json_answer`` a 2xx body is not read (a revocation answers 200 with any body)."""
        self.stats.calls += 1
        timeout = self.timeout if self.deadline is None else min(self.timeout, self.deadline)
        try:
            response = self._session.post(
                url,
                data=dict(data),
                timeout=timeout,
                allow_redirects=False,
                proxies=self._proxies_for(url),
            )
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise UpstreamError(ErrorKind.UNAVAILABLE, message=_network_message(exc)) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise _error_from_response(response, 1, [*self._secrets, *form_secrets(data)])
        if 200 <= response.status_code < 300 and not json_answer:
            return UpstreamResponse(response.status_code, None, response.headers)
        if 200 <= response.status_code < 300:
            return UpstreamResponse(
                response.status_code, _parse_json(response, 1), response.headers
            )
        return UpstreamResponse(response.status_code, _json_or_none(response), response.headers)

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_base * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)


def _network_message(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "the request timed out"
    return "the connection failed"


def _parse_json(response: requests.Response, attempt: int, *, require: str | None = None) -> Any:
    try:
        body = response.json()
    except ValueError as exc:
        raise UpstreamError(
            ErrorKind.MALFORMED,
            status=response.status_code,
            message="the answer is not valid JSON",
            attempts=attempt,
        ) from exc
    if require is not None and not (isinstance(body, dict) and isinstance(body.get(require), list)):
        raise UpstreamError(
            ErrorKind.MALFORMED,
            status=response.status_code,
            message=f"a page without {'an' if require[0] in 'aeiou' else 'a'} {require} list",
            attempts=attempt,
        )
    return body


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_from_response(
    response: requests.Response, attempt: int, secrets: list[str]
) -> UpstreamError:
    kinds = {
        401: ErrorKind.UNAUTHORIZED,
        402: ErrorKind.PAYMENT_REQUIRED,
        403: ErrorKind.FORBIDDEN,
        429: ErrorKind.RATE_LIMITED,
    }
    status = response.status_code
    kind = kinds.get(status, ErrorKind.UNAVAILABLE if status >= 500 else ErrorKind.HTTP)
    message, code = _upstream_message(response, secrets)
    return UpstreamError(kind, status=status, message=message, code=code, attempts=attempt)


def _upstream_message(
    response: requests.Response, secrets: list[str]
) -> tuple[str, int | str | None]:
    """The upstream's own error text, stripped of control characters, redacted, then shortened
    (in that order: a key cut in two by the shortening would no longer be recognised).

    It is untrusted: templates escape it, and it is never interpreted.
    """
    try:
        body = response.json()
    except ValueError:
        return "", None
    if not isinstance(body, dict):
        return "", None
    error = body.get("error") if isinstance(body.get("error"), dict) else body
    message = error.get("message")
    code = error.get("code")
    if message is None and isinstance(body.get("errorMessages"), list):
        # Jira's shape: {"errorMessages": ["…"], "errors": {"field": "…"}}.
        errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
        said = [*body["errorMessages"], *errors.values()]
        message = " ".join(text for text in said if isinstance(text, str))
    if not isinstance(message, str):
        message = json.dumps(message) if message is not None else ""
    message = redact("".join(ch for ch in message if ch.isprintable()), secrets)
    if isinstance(code, str):
        code = redact(code, secrets)
    return message[:MAX_UPSTREAM_MESSAGE], code if isinstance(code, int | str) else None
