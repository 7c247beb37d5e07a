"""PagerDuty's Events API v2 (`POST /v2/enqueue` on events.pagerduty.com, or events.eu...) for
one region, as a plain WSGI app, and the events it received.

Faithful to PagerDuty's developer docs (docs/events-API-v2): the 32-character routing key,
`trigger` / `acknowledge` / `resolve` by `dedup_key` (≤ 255), `payload.summary` ≤ 1,024, the
four severities, 202 `{"status": "success", "message": "Event processed", "dedup_key"}`, 400
`{"status": "invalid event", "message": "Event object is invalid", "errors": [...]}` (the two
routing-key errors are observed upstream) and 429 when throttled. Every request is recorded,
refused ones too, so tests and `make run` users can watch deliveries and their retries at
`/_sandbox/pagerduty/events`.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from integrations.sandbox.faults import Faults
from integrations.sandbox.wsgi import Request, Response, StartResponse

ENQUEUE_PATH: Final = "/v2/enqueue"
ROUTING_KEY_LENGTH: Final = 32
DEDUP_KEY_MAX: Final = 255
SUMMARY_MAX: Final = 1024
EVENT_ACTIONS: Final = ("trigger", "acknowledge", "resolve")
SEVERITIES: Final = ("critical", "error", "warning", "info")

SUCCESS: Final = {"status": "success", "message": "Event processed"}
INVALID: Final = {"status": "invalid event", "message": "Event object is invalid"}
# Observed upstream (envato/pagerduty#70, blockpane/tenderduty#10).
KEY_LENGTH_ERROR: Final = "Length of 'routing_key' is incorrect (should be 32 characters)"
KEY_CHARACTERS_ERROR: Final = "'routing_key' cannot contain non-alphanumeric characters."
# Guess: every other error text below is unconfirmed.
MISSING: Final = "'{name}' is missing or blank"
ONE_OF: Final = "'{name}' is invalid (must be one of {values})"
TOO_LONG: Final = "'{name}' is too long (maximum is {limit} characters)"
NOT_OBJECT: Final = "'{name}' must be an object"
# Guess: whether upstream refuses a well-formed key of no integration (400) or accepts and drops
# the event (202) is unconfirmed; refusing lets a sender notice a mistyped key.
UNKNOWN_KEY_ERROR: Final = "Invalid routing key"
NOT_JSON: Final = "Event is not valid JSON"  # Guess: wording unconfirmed.
# Guess: the 429 body is unconfirmed; the docs say "429 - Request Limit Exceeded".
THROTTLED: Final = {"status": "throttle event", "message": "Request Limit Exceeded"}


def routing_key(derived: uuid.UUID) -> str:
    """A routing key's shape: 32 lower-case hex characters."""
    return derived.hex


@dataclass
class EventLog:
    """What one region's Events API received, and the state of each alert by dedup key."""

    clock: Callable[[], float] = time.time
    received: list[dict[str, Any]] = field(default_factory=list)
    alerts: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def apply(self, event: dict[str, Any]) -> str:
        """Apply a valid event; answers the dedup key (made up for a trigger without one)."""
        with self.lock:
            action = event["event_action"]
            dedup_key = event.get("dedup_key") or uuid.uuid4().hex
            place = (event["routing_key"], dedup_key)
            alert = self.alerts.get(place)
            is_open = alert is not None and alert["status"] != "resolved"
            if action == "trigger":
                if is_open:
                    assert alert is not None
                    alert["count"] += 1
                    outcome = "deduplicated"
                else:
                    payload = event["payload"]
                    self.alerts[place] = {
                        "dedup_key": dedup_key,
                        "status": "triggered",
                        "summary": payload["summary"],
                        "severity": payload["severity"],
                        "count": 1,
                    }
                    outcome = "triggered"
            elif is_open:
                assert alert is not None
                alert["status"] = "acknowledged" if action == "acknowledge" else "resolved"
                outcome = alert["status"]
            else:
                # Upstream drops an acknowledge or resolve that matches no open alert.
                outcome = "dropped"
            self._record(202, event, outcome)
            return dedup_key

    def refused(self, status: int, event: Any, errors: list[str]) -> None:
        with self.lock:
            self._record(status, event, "refused", errors)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "events": json.loads(json.dumps(self.received)),
                "alerts": json.loads(json.dumps(list(self.alerts.values()))),
            }

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
            self.alerts.clear()

    def _record(self, status: int, event: Any, outcome: str, errors: Sequence[str] = ()) -> None:
        at = datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="milliseconds")
        entry = {"received_at": at, "status": status, "outcome": outcome, "event": event}
        if errors:
            entry["errors"] = list(errors)
        self.received.append(entry)


class PagerDutyEventsSandbox:
    """WSGI app answering like `https://events.pagerduty.com` for one region's routing keys."""

    def __init__(
        self,
        *,
        log: EventLog,
        routing_keys: Set[str],
        faults: Faults | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.log = log
        self.routing_keys = frozenset(routing_keys)
        self.faults = faults or Faults()
        self._sleep = sleep

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        delay = self.faults.delay()
        if delay:
            self._sleep(delay)
        return self.handle(Request.from_environ(environ))(start_response)

    def handle(self, request: Request) -> Response:
        if request.path.rstrip("/") != ENQUEUE_PATH:
            return Response.json(404, {"status": "not found", "message": "Not Found"})
        if request.method != "POST":
            return Response.json(405, {"message": "Method not allowed"}, [("Allow", "POST")])
        try:
            event = request.json()
        except (ValueError, UnicodeDecodeError):
            return self._refuse(400, request.body.decode("utf-8", "replace"), [NOT_JSON])
        failure = self.faults.draw()
        if failure.rate_limited:
            self.log.refused(429, event, [THROTTLED["message"]])
            return Response.json(429, THROTTLED)
        if failure.server_error_status is not None:
            self.log.refused(failure.server_error_status, event, ["fault"])
            # Guess: the body of a 5xx from the Events API is unconfirmed.
            return Response.json(failure.server_error_status, {"status": "error"})
        errors = event_errors(event, self.routing_keys)
        if errors:
            return self._refuse(400, event, errors)
        dedup_key = self.log.apply(event)
        response = Response.json(202, {**SUCCESS, "dedup_key": dedup_key})
        if self.faults.take_malformed():
            response.body = response.body[: max(1, len(response.body) // 2)]
        return response

    def _refuse(self, status: int, event: Any, errors: list[str]) -> Response:
        self.log.refused(status, event, errors)
        return Response.json(status, {**INVALID, "errors": errors})


def event_errors(event: Any, routing_keys: Set[str]) -> list[str]:
    """Why an alert event is invalid; empty when it is valid."""
    if not isinstance(event, dict):
        return [NOT_OBJECT.format(name="event")]
    errors: list[str] = []
    key = event.get("routing_key")
    if not isinstance(key, str) or not key:
        errors.append(MISSING.format(name="routing_key"))
    else:
        if len(key) != ROUTING_KEY_LENGTH:
            errors.append(KEY_LENGTH_ERROR)
        if not key.isascii() or not key.isalnum():
            errors.append(KEY_CHARACTERS_ERROR)
        if not errors and key not in routing_keys:
            errors.append(UNKNOWN_KEY_ERROR)
    action = event.get("event_action")
    if not isinstance(action, str) or not action:
        errors.append(MISSING.format(name="event_action"))
    elif action not in EVENT_ACTIONS:
        errors.append(ONE_OF.format(name="event_action", values=", ".join(EVENT_ACTIONS)))
    dedup_key = event.get("dedup_key")
    if dedup_key is not None and (not isinstance(dedup_key, str) or len(dedup_key) > DEDUP_KEY_MAX):
        errors.append(TOO_LONG.format(name="dedup_key", limit=DEDUP_KEY_MAX))
    if action in ("acknowledge", "resolve") and not dedup_key:
        errors.append(MISSING.format(name="dedup_key"))
    if action == "trigger":
        errors += _payload_errors(event.get("payload"))
    return errors


def _payload_errors(payload: Any) -> list[str]:
    if not isinstance(payload, dict):
        return [MISSING.format(name="payload")]
    errors = [
        MISSING.format(name=f"payload.{name}")
        for name in ("summary", "source")
        if not isinstance(payload.get(name), str) or not payload[name].strip()
    ]
    summary = payload.get("summary")
    if isinstance(summary, str) and len(summary) > SUMMARY_MAX:
        errors.append(TOO_LONG.format(name="payload.summary", limit=SUMMARY_MAX))
    if payload.get("severity") not in SEVERITIES:
        errors.append(ONE_OF.format(name="payload.severity", values=", ".join(SEVERITIES)))
    details = payload.get("custom_details")
    if details is not None and not isinstance(details, dict):
        errors.append(NOT_OBJECT.format(name="payload.custom_details"))
    return errors
