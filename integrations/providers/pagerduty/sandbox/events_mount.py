"""What the PagerDuty mount adds for the Events API v2: one app per region at
/pagerduty/events/<region> (standing in for events.pagerduty.com and events.eu.pagerduty.com),
a routing key per region, and `/_sandbox/pagerduty/events` listing what each region received
(GET, `?region=eu` for one) or forgetting it (DELETE)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from integrations.providers.pagerduty.sandbox.events import (
    EventLog,
    PagerDutyEventsSandbox,
    routing_key,
)
from integrations.sandbox.contract import Control, MountContext
from integrations.sandbox.wsgi import Request, Response, WSGIApp

EVENTS_PREFIX: Final = "/pagerduty/events"
CONTROL_PATH: Final = "/pagerduty/events"
# The routing key of an "Events API v2" integration on a service, per region.
KEYS: Final = ("pagerduty_us_routing_key", "pagerduty_eu_routing_key")


def make_key(name: str, derived: uuid.UUID) -> str | None:
    """The key's value when `name` is one of KEYS, else None."""
    return routing_key(derived) if name in KEYS else None


@dataclass(frozen=True)
class EventsMount:
    apps: dict[str, WSGIApp]
    logs: dict[str, EventLog]
    control: Control

    def env(self, base_url: str) -> dict[str, str]:
        return {f"PAGERDUTY_EVENTS_{r.upper()}_URL": base_url + prefix(r) for r in self.logs}

    def attributes(self, context: MountContext) -> dict[str, Any]:
        return {
            "pagerduty_events": self.logs,
            "pagerduty_events_url": context.url_of(
                {r: prefix(r) for r in self.logs}, "PagerDuty Events region"
            ),
        }


def prefix(region: str) -> str:
    return f"{EVENTS_PREFIX}/{region}"


def mount_events(context: MountContext, regions: Sequence[str]) -> EventsMount:
    logs = {region: EventLog(clock=context.clock) for region in regions}
    apps: dict[str, WSGIApp] = {
        prefix(region): PagerDutyEventsSandbox(
            log=logs[region],
            routing_keys={context.keys[f"pagerduty_{region}_routing_key"]},
            faults=context.faults,
        )
        for region in regions
    }
    return EventsMount(apps, logs, Control(CONTROL_PATH, ("GET", "DELETE"), _control(logs)))


def lines(base_url: str, keys: Mapping[str, str], regions: Sequence[str]) -> list[str]:
    shown = []
    for region in regions:
        shown += [
            f"PagerDuty Events {region.upper()}  {base_url}{prefix(region)}/v2/enqueue",
            f"  routing key                 {keys[f'pagerduty_{region}_routing_key']}",
        ]
    return [*shown, f"  events received             {base_url}/_sandbox{CONTROL_PATH}"]


def _control(logs: Mapping[str, EventLog]) -> Any:
    def handle(request: Request) -> Response:
        region = request.arg("region")
        if region is not None and region not in logs:
            return Response.json(400, {"message": f"Unknown region {region!r}"})
        chosen = [region] if region else list(logs)
        if request.method == "DELETE":
            for name in chosen:
                logs[name].clear()
        return Response.json(200, {name: logs[name].snapshot() for name in chosen})

    return handle
