"""Switchable failures shared by every emulated API mount.

The counters are consumed by requests ("the next N requests"), so tests and demos can script a
burst of failures followed by recovery. Each provider renders the failure in its own API's shape;
this module only decides *which* failure the next request gets.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields
from typing import Any


class FaultConfigError(ValueError):
    """A fault setting with an unknown name or an unusable value."""


@dataclass(frozen=True)
class Draw:
    """What one request must suffer, decided atomically when it arrives."""

    rate_limited: bool = False
    rate_limit_period_seconds: int = 60
    rate_limit_reason: str = "INTEGRATION"
    server_error_status: int | None = None

    @property
    def fails(self) -> bool:
        return self.rate_limited or self.server_error_status is not None


@dataclass
class Faults:
    """Thread-safe fault switches; set from Python (`faults.set(rate_limit=3)`) or over HTTP."""

    rate_limit: int = 0
    rate_limit_period_seconds: int = 60
    # Some upstreams say which bucket tripped (X-RateLimit-Reason); the names are undocumented.
    rate_limit_reason: str = "INTEGRATION"
    server_errors: int = 0
    server_error_status: int = 500
    delay_seconds: float = 0.0
    malformed: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def set(self, **settings: Any) -> dict[str, Any]:
        """Change some switches, leaving the others as they are; returns the new state."""
        checked = {name: _validated(name, value) for name, value in settings.items()}
        with self._lock:
            for name, value in checked.items():
                setattr(self, name, value)
            return self._snapshot()

    def clear(self) -> dict[str, Any]:
        defaults = Faults()
        with self._lock:
            for name in _SETTINGS:
                setattr(self, name, getattr(defaults, name))
            return self._snapshot()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return self._snapshot()

    def delay(self) -> float:
        """Seconds every request waits before being answered (not consumed)."""
        with self._lock:
            return self.delay_seconds

    def draw(self) -> Draw:
        """Consume at most one failure for an arriving request (rate limits go first)."""
        with self._lock:
            if self.rate_limit > 0:
                self.rate_limit -= 1
                return Draw(
                    rate_limited=True,
                    rate_limit_period_seconds=self.rate_limit_period_seconds,
                    rate_limit_reason=self.rate_limit_reason,
                )
            if self.server_errors > 0:
                self.server_errors -= 1
                return Draw(server_error_status=self.server_error_status)
            return Draw()

    def take_malformed(self) -> bool:
        """Whether the successful response being sent must be corrupted (consumes one)."""
        with self._lock:
            if self.malformed > 0:
                self.malformed -= 1
                return True
            return False

    def _snapshot(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _SETTINGS}


_SETTINGS = tuple(f.name for f in fields(Faults) if not f.name.startswith("_"))


def _validated(name: str, value: Any) -> Any:
    if name not in _SETTINGS:
        raise FaultConfigError(f"Unknown fault {name!r}; known: {', '.join(_SETTINGS)}")
    if name == "rate_limit_reason":
        if not isinstance(value, str) or not value:
            raise FaultConfigError("rate_limit_reason must be a non-empty string")
        return value
    if name == "delay_seconds":
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise FaultConfigError("delay_seconds must be a number >= 0")
        return float(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FaultConfigError(f"{name} must be an integer >= 0")
    if name == "server_error_status" and not 500 <= value <= 599:
        raise FaultConfigError("server_error_status must be a 5xx status")
    return value
