"""The alerts one OpsGenie (or JSM) account has received through its Alert API, and the status
of every alert request (reference/opsgenie-api.md §4).

Upstream processes alert requests asynchronously and answers 202 at once; the sandbox processes
each request before answering, then keeps its outcome for `GET /v2/alerts/requests/{id}`.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

Record = dict[str, Any]

CREATED: Final = "Created alert"
# Guess: the status wording of a create that only raised an open alert's count is unconfirmed.
DEDUPLICATED: Final = "Alert already exists, its count was increased"
CLOSED: Final = "Closed alert"
# Guess: upstream's wording for acknowledging is unconfirmed; it follows "Closed alert".
ACKNOWLEDGED: Final = "Acknowledged alert"
# Confirmed (reference §4.2): what a close or acknowledge of an unknown alert ends in.
DOES_NOT_EXIST: Final = "Alert does not exist"
# Guess: the wording for closing an alert that is already closed is unconfirmed.
ALREADY_CLOSED: Final = "Alert is already closed"


@dataclass(frozen=True)
class Caller:
    """The API integration a request came through (request statuses name its id)."""

    integration_id: str
    name: str


def iso_ms(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class AlertStore:
    """One account's alerts and alert requests, shared by all request threads."""

    clock: Callable[[], float] = time.time
    alerts: list[Record] = field(default_factory=list)
    requests: dict[str, Record] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _next_tiny: int = field(default=1, repr=False)

    def seed(self, alerts: list[Record]) -> None:
        """Hold `alerts` (oldest first, tinyIds from 1) before any request arrives."""
        with self.lock:
            self.alerts.extend(alerts)
            highest = max((int(alert["tinyId"]) for alert in self.alerts), default=0)
            self._next_tiny = max(self._next_tiny, highest + 1)

    @property
    def next_tiny(self) -> int:
        """The tinyId the next alert gets."""
        with self.lock:
            return self._next_tiny

    def replace_all(self, alerts: list[Record]) -> None:
        """Hold ``alerts`` instead (time passed: some replaced by new dicts, some new, oldest
        first); tinyIds go on from the highest ever given."""
        with self.lock:
            self.alerts = alerts
            highest = max((int(alert["tinyId"]) for alert in alerts), default=0)
            self._next_tiny = max(self._next_tiny, highest + 1)

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def find(self, identifier: str, identifier_type: str = "id") -> Record | None:
        """By id, tinyId, or alias; an alias names only an *open* alert (reference §4.1)."""
        with self.lock:
            for alert in reversed(self.alerts):
                if identifier_type == "alias":
                    if alert.get("alias") == identifier and alert["status"] == "open":
                        return alert
                elif alert["tinyId" if identifier_type == "tiny" else "id"] == identifier:
                    return alert
            return None

    def create(self, request_id: str, payload: Record, caller: Caller) -> Record:
        """Open an alert, or raise the count of the open one with the same alias."""
        with self.lock:
            now = self._now_ms()
            alias = payload.get("alias")
            existing = self.find(alias, "alias") if alias else None
            if existing is not None:
                existing.update(
                    count=existing["count"] + 1,
                    lastOccurredAt=iso_ms(now),
                    updatedAt=iso_ms(now),
                )
                return self._record(request_id, "Create", DEDUPLICATED, existing, caller, now)
            alert_id = f"{uuid.uuid4()}-{now}"  # upstream's id shape: "<uuid>-<epoch ms>"
            alert = {
                "id": alert_id,
                "tinyId": str(self._next_tiny),
                # Without an alias, upstream uses the alert's id as its alias.
                "alias": alias or alert_id,
                "message": payload["message"],
                "status": "open",
                "acknowledged": False,
                "isSeen": False,
                "tags": list(payload.get("tags") or []),
                "snoozed": False,
                "count": 1,
                "lastOccurredAt": iso_ms(now),
                "createdAt": iso_ms(now),
                "updatedAt": iso_ms(now),
                "source": payload.get("source") or "",
                "owner": "",
                "priority": payload.get("priority") or "P3",
                "responders": list(payload.get("responders") or []),
                "visibleTo": list(payload.get("visibleTo") or []),
                "integration": {"id": caller.integration_id, "name": caller.name, "type": "API"},
                "report": {},
                "actions": list(payload.get("actions") or []),
                "entity": payload.get("entity") or "",
                "description": payload.get("description") or "",
                "details": dict(payload.get("details") or {}),
            }
            self._next_tiny += 1
            self.alerts.append(alert)
            return self._record(request_id, "Create", CREATED, alert, caller, now)

    def act(
        self, request_id: str, action: str, alert: Record | None, alias: str, caller: Caller
    ) -> Record:
        """Close or Acknowledge `alert` (None: the identifier matched nothing)."""
        with self.lock:
            now = self._now_ms()
            if alert is None:
                return self._record(request_id, action, DOES_NOT_EXIST, None, caller, now, alias)
            if alert["status"] == "closed":
                return self._record(request_id, action, ALREADY_CLOSED, alert, caller, now)
            if action == "Close":
                alert.update(status="closed", updatedAt=iso_ms(now))
                alert["report"] = {**alert["report"], "closeTime": now - _created_ms(alert)}
                return self._record(request_id, action, CLOSED, alert, caller, now)
            alert.update(acknowledged=True, updatedAt=iso_ms(now))
            alert["report"] = {**alert["report"], "ackTime": now - _created_ms(alert)}
            return self._record(request_id, action, ACKNOWLEDGED, alert, caller, now)

    def request(self, request_id: str) -> Record | None:
        with self.lock:
            return self.requests.get(request_id)

    def snapshot(self) -> list[Record]:
        """Copies of every alert, oldest first."""
        with self.lock:
            return [dict(alert) for alert in self.alerts]

    def _record(
        self,
        request_id: str,
        action: str,
        status: str,
        alert: Record | None,
        caller: Caller,
        now: int,
        alias: str = "",
    ) -> Record:
        success = alert is not None and status != ALREADY_CLOSED
        record = {
            "success": success,
            "action": action,
            "processedAt": iso_ms(now),
            "integrationId": caller.integration_id,
            "isSuccess": success,
            "status": status,
            "alertId": alert["id"] if alert else "",
            "alias": alert["alias"] if alert else alias,
        }
        self.requests[request_id] = record
        return record


def _created_ms(alert: Record) -> int:
    return int(alert["id"].rsplit("-", 1)[1])
