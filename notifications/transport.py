"""One request to a channel's upstream, through the HTTP chokepoint (integrations.http).

``send`` makes exactly one request and returns the answer for the caller to judge: the retrying
is the delivery's own (Wallarm's cycles, notifications.retry), scheduled as rows, never slept
here. Where a channel sends is decided by settings only (OPSGENIE_BASE_URLS, OPSGENIE_JSM_URL,
PAGERDUTY_EVENTS_URLS), never by a URL typed into a form.

The key travels in the ``Authorization`` header (OpsGenie, JSM) or in the body (PagerDuty's
routing key, added here and nowhere else). Every answer's text is redacted of it before it is
returned, and no exception leaves here carrying it: a key that cannot even be put in a header
(a line break pasted with it) becomes an answer saying so, not requests' error, which quotes
the header.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

from integrations.http import UpstreamError, UpstreamSession
from integrations.redaction import redact
from lib.events import Action
from notifications.models import ChannelKind, Endpoint

ANSWER_MAX = 1_000
# Every status is an answer for the caller to judge (4xx stop, 429 waits, 5xx retries later).
ANY_STATUS = range(100, 600)
# A rate-limit header asking for more than this is not believed.
MAX_RETRY_AFTER_SECONDS = 3_600.0
UNSENDABLE = (
    "The request could not be made: the key holds characters a request header cannot carry "
    "(a space or a line break pasted with it?)."
)


class UnknownEndpoint(ValueError):
    """A channel whose kind and endpoint name no upstream (a PagerDuty channel on JSM)."""


@dataclass(frozen=True)
class Target:
    """Where a channel sends and with which key: built from a saved channel (``of``) or from a
    form not saved yet (``Target(kind, endpoint, secret)``). The key is left out of its repr."""

    kind: str
    endpoint: str
    secret: str = field(repr=False)

    @classmethod
    def of(cls, channel: Any) -> Target:
        return cls(kind=channel.kind, endpoint=channel.endpoint, secret=channel.secret or "")

    @property
    def base_url(self) -> str:
        if self.kind == ChannelKind.OPSGENIE:
            if self.endpoint == Endpoint.JSM:
                return str(settings.OPSGENIE_JSM_URL)
            urls: Mapping[str, str] = settings.OPSGENIE_BASE_URLS
        elif self.kind == ChannelKind.PAGERDUTY:
            urls = settings.PAGERDUTY_EVENTS_URLS
        else:
            raise UnknownEndpoint(f"Unknown channel kind {self.kind!r}.")
        if self.endpoint not in urls:
            raise UnknownEndpoint(f"{self.kind} has no endpoint {self.endpoint!r}.")
        return urls[self.endpoint].rstrip("/")


@dataclass(frozen=True)
class Answer:
    """What one request got. ``status`` is None when no answer came (timeout, refused
    connection); ``text`` is the answer's body (or the network error), redacted and cut to
    1,000 characters; ``request_id`` is OpsGenie's requestId or PagerDuty's dedup_key;
    ``retry_after`` the seconds a 429 asked to wait, when it said."""

    status: int | None
    text: str
    request_id: str = ""
    duration_ms: int = 0
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def send(
    target: Target, action: str, alias: str, payload: Mapping[str, Any], *, deadline: float
) -> Answer:
    """One request: OpsGenie's create (``POST /v2/alerts``) or close by alias (``POST
    /v2/alerts/{alias}/close?identifierType=alias``: without the identifierType OpsGenie reads
    the alias as an id, answers 202 and closes nothing), or PagerDuty's ``POST /v2/enqueue``."""
    base = target.base_url
    if target.kind == ChannelKind.PAGERDUTY:
        url, headers = f"{base}/v2/enqueue", {}
        body = {**payload, "routing_key": target.secret}
    else:
        headers = {"Authorization": f"GenieKey {target.secret}"}
        body = dict(payload)
        if Action(action) == Action.CLOSE:
            url = f"{base}/v2/alerts/{quote(alias, safe='')}/close?identifierType=alias"
        else:
            url = f"{base}/v2/alerts"
    return _exchange("POST", url, target, headers, body, deadline=deadline)


def request_status(target: Target, request_id: str, *, deadline: float) -> Answer:
    """OpsGenie's processed status of an accepted request (``GET /v2/alerts/requests/{id}``):
    the text is its ``status`` ("Created alert", "Alert does not exist"...)."""
    if target.kind != ChannelKind.OPSGENIE:
        raise UnknownEndpoint("Only OpsGenie (and JSM) answer a request's status.")
    url = f"{target.base_url}/v2/alerts/requests/{quote(request_id, safe='')}"
    headers = {"Authorization": f"GenieKey {target.secret}"}
    answer = _exchange("GET", url, target, headers, None, deadline=deadline)
    if not answer.ok:
        return answer
    try:
        data = json.loads(answer.text)["data"]
        status = str(data["status"])
    except (ValueError, KeyError, TypeError):
        return answer
    if data.get("isSuccess") is False and status:
        status = f"{status} (not successful)"
    return Answer(answer.status, status, request_id, answer.duration_ms)


def probe_other_region(target: Target, *, deadline: float) -> str | None:
    """For a key refused with 401: does it belong to OpsGenie's other region? A harmless read of
    an unknown request's status there: 401 means the key is unknown there too (None); any other
    answer (404, 403, 200) means it is known there, and that region ("eu" or "us") is returned.
    No answer proves nothing (None)."""
    if target.kind != ChannelKind.OPSGENIE or target.endpoint not in (Endpoint.US, Endpoint.EU):
        return None
    other = Endpoint.EU if target.endpoint == Endpoint.US else Endpoint.US
    there = Target(target.kind, other, target.secret)
    url = f"{there.base_url}/v2/alerts/requests/{uuid.uuid4()}"
    headers = {"Authorization": f"GenieKey {target.secret}"}
    answer = _exchange("GET", url, there, headers, None, deadline=deadline)
    if answer.status is None or answer.status == 401:
        return None
    return str(other)


def _exchange(
    method: str,
    url: str,
    target: Target,
    headers: Mapping[str, str],
    body: Mapping[str, Any] | None,
    *,
    deadline: float,
) -> Answer:
    secrets = [target.secret]
    session = UpstreamSession(headers=headers, max_attempts=1, deadline=deadline)
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        if method == "GET":
            response = session.get_json(url)
        else:
            response = session.post_json(url, body or {}, ok=ANY_STATUS)
    except UpstreamError as error:
        # No answer (timeout, refused connection), or a GET answered with an error status.
        text = redact(error.describe(), secrets)[:ANSWER_MAX]
        return Answer(error.status, text, duration_ms=elapsed())
    except (requests.RequestException, ValueError):
        # requests' own error quotes the header it could not send: never shown.
        return Answer(None, UNSENDABLE, duration_ms=elapsed())
    finally:
        session.close()
    data = response.data
    text = "" if data is None else json.dumps(data, ensure_ascii=False)
    request_id = ""
    if isinstance(data, dict):
        found = data.get("requestId") or data.get("dedup_key") or ""
        request_id = redact(str(found), secrets)[:100]
    retry_after = _retry_after(response.headers) if response.status == 429 else None
    return Answer(
        status=response.status,
        text=redact(text, secrets)[:ANSWER_MAX],
        request_id=request_id,
        duration_ms=elapsed(),
        retry_after=retry_after,
    )


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a 429 asks to wait: ``Retry-After`` (seconds), OpsGenie's
    ``X-RateLimit-Period-In-Sec`` (its window, 1 or 60 s) or ``ratelimit-reset``."""
    for name in ("Retry-After", "X-RateLimit-Period-In-Sec", "ratelimit-reset"):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value)
        except ValueError:
            continue
        if seconds == seconds:  # not NaN
            return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)
    return None
