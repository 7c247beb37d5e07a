"""The product's own events, which notification channels send to OpsGenie, JSM or PagerDuty
(PRODUCT 7).

Lower apps (accounts, integrations, incidents, access, checks) say what happened with
``emit(Event(...))`` (several at once: ``emit_all``) inside the transaction that caused it; the
notifications app, a consumer above them all, receives ``event_happened`` and writes one
delivery row per channel that chose the event, in that same transaction. Nothing here knows a
channel, so no app below imports notifications.

The catalogue is grouped as Wallarm groups its events: System related, Checks, Incidents,
Access. ``alias`` names the subject (a check, a check's item, a connection...): repeats of an
open subject are de-duplicated upstream, and ``Action.CLOSE`` closes the alert opened for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.dispatch import Signal


class EventGroup(StrEnum):
    SYSTEM = "system"
    CHECKS = "checks"
    INCIDENTS = "incidents"
    ACCESS = "access"

    @property
    def label(self) -> str:
        return GROUP_LABELS[self]


GROUP_LABELS: dict[EventGroup, str] = {
    EventGroup.SYSTEM: "System related",
    EventGroup.CHECKS: "Checks",
    EventGroup.INCIDENTS: "Incidents",
    EventGroup.ACCESS: "Access",
}


class EventType(StrEnum):
    # System related
    USER_CREATED = "user_created"
    USER_DELETED = "user_deleted"
    USER_ROLE_CHANGED = "user_role_changed"
    INTEGRATION_CONNECTED = "integration_connected"
    INTEGRATION_DISCONNECTED = "integration_disconnected"
    INTEGRATION_ERROR = "integration_error"
    INTEGRATION_RECOVERED = "integration_recovered"
    CHANNEL_CHANGED = "channel_changed"  # added, edited, enabled
    CHANNEL_DISABLED = "channel_disabled"  # by a person or automatically
    CHANNEL_DELETED = "channel_deleted"
    SLA_POLICY_CHANGED = "sla_policy_changed"
    ACCESS_RULES_CHANGED = "access_rules_changed"  # a system's valid access type
    # Checks
    CHECK_FAILING = "check_failing"
    CHECK_RECOVERED = "check_recovered"
    # Incidents
    INCIDENT_NEW = "incident_new"
    DATA_LOSS_REPORTED = "data_loss_reported"
    # Access
    OFFBOARDED_ACCESS = "offboarded_access"

    @property
    def group(self) -> EventGroup:
        return EVENT_TYPES[self].group

    @property
    def label(self) -> str:
        return EVENT_TYPES[self].label

    @property
    def default_priority(self) -> str:
        return EVENT_TYPES[self].priority


@dataclass(frozen=True)
class EventKind:
    group: EventGroup
    label: str
    # OpsGenie's P1 (critical) … P5 (informational); a channel may override it per type.
    priority: str


EVENT_TYPES: dict[EventType, EventKind] = {
    EventType.USER_CREATED: EventKind(EventGroup.SYSTEM, "A user of EvidenceHub is created", "P5"),
    EventType.USER_DELETED: EventKind(
        EventGroup.SYSTEM, "A user of EvidenceHub is deactivated or deleted", "P4"
    ),
    EventType.USER_ROLE_CHANGED: EventKind(EventGroup.SYSTEM, "A user's role changes", "P4"),
    EventType.INTEGRATION_CONNECTED: EventKind(
        EventGroup.SYSTEM, "An integration is connected", "P5"
    ),
    EventType.INTEGRATION_DISCONNECTED: EventKind(
        EventGroup.SYSTEM, "An integration is disconnected", "P4"
    ),
    EventType.INTEGRATION_ERROR: EventKind(
        EventGroup.SYSTEM, "An integration stops syncing (in error)", "P3"
    ),
    EventType.INTEGRATION_RECOVERED: EventKind(
        EventGroup.SYSTEM, "An integration in error syncs again", "P5"
    ),
    EventType.CHANNEL_CHANGED: EventKind(
        EventGroup.SYSTEM, "A notification channel is added, edited or enabled", "P5"
    ),
    EventType.CHANNEL_DISABLED: EventKind(
        EventGroup.SYSTEM, "A notification channel is disabled (by a person or itself)", "P3"
    ),
    EventType.CHANNEL_DELETED: EventKind(
        EventGroup.SYSTEM, "A notification channel is deleted", "P4"
    ),
    EventType.SLA_POLICY_CHANGED: EventKind(
        EventGroup.SYSTEM, "The incident SLA policy changes", "P4"
    ),
    EventType.ACCESS_RULES_CHANGED: EventKind(
        EventGroup.SYSTEM, "A critical system's valid access type changes", "P4"
    ),
    EventType.CHECK_FAILING: EventKind(EventGroup.CHECKS, "A check starts failing", "P3"),
    EventType.CHECK_RECOVERED: EventKind(EventGroup.CHECKS, "A check recovers", "P5"),
    EventType.INCIDENT_NEW: EventKind(
        EventGroup.INCIDENTS, "A new incident is synced (at or above a chosen priority)", "P3"
    ),
    EventType.DATA_LOSS_REPORTED: EventKind(
        EventGroup.INCIDENTS, "Data loss is reported on an incident", "P2"
    ),
    EventType.OFFBOARDED_ACCESS: EventKind(
        EventGroup.ACCESS, "An offboarded person still holds an account (new failing item)", "P2"
    ),
}

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")


class Action(StrEnum):
    OPEN = "open"  # OpsGenie create alert; PagerDuty trigger
    CLOSE = "close"  # OpsGenie close by alias; PagerDuty resolve by dedup_key


@dataclass(frozen=True)
class Event:
    """One thing that happened, described once for every channel.

    ``alias`` is stable per subject (``check:<key>``, ``check:<key>:<item>``,
    ``connection:<pk>``, ``incident:<pk>``...). ``links`` are (label, path) pairs, paths of
    this site (``/checks/<key>/``), made absolute with ``SITE_URL`` by the sender. The
    ``check_key`` and ``incident_priority`` say what a channel's filters compare: the checks it
    chose, and the lowest incident priority it wants.
    """

    type: EventType
    alias: str
    message: str
    description: str = ""
    entity: str = ""
    action: Action = Action.OPEN
    links: tuple[tuple[str, str], ...] = ()
    details: Mapping[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    check_key: str = ""
    incident_priority: str = ""


# Sent with ``events=<tuple of Event>``, in the order they happened; receivers run inside the
# caller's transaction.
event_happened = Signal()


def emit(event: Event) -> None:
    emit_all((event,))


def emit_all(events: Sequence[Event]) -> None:
    """Several events at once (a sync page's new incidents): a receiver pays what each costs
    alike (reading the enabled channels) once for all of them, not once each (a 1% sync's
    hundred new incidents spent a quarter of its time there, make bench)."""
    if events:
        event_happened.send(sender=Event, events=tuple(events))
