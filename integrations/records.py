"""Plain records that providers yield and domain apps store (STYLE 2: the integrations layer
never imports the domain apps)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    UNKNOWN = ""


@dataclass(frozen=True)
class IncidentRecord:
    """One upstream incident in canonical form (PRODUCT 3.5). Text is untrusted, kept as given."""

    upstream_id: str
    number: str
    title: str
    description: str
    status: IncidentStatus
    raw_status: str
    priority: Priority
    raw_priority: str
    created_at: datetime
    updated_at: datetime | None
    resolved_at: datetime | None
    impact_start: datetime | None
    impact_end: datetime | None
    upstream_url: str
    services: tuple[str, ...] = field(default=())
    # The upstream ids of the same services: what a connection's service selection names.
    service_ids: tuple[str, ...] = field(default=())
    # What the same incident is called in another tool, as the upstream recorded it on the
    # record, (name, value) sorted by name: e.g. the tiny id of the incident it was moved from.
    # A later move between providers matches on it; its names are the provider package's.
    external_refs: tuple[tuple[str, str], ...] = field(default=())


@dataclass(frozen=True)
class ServiceRecord:
    """One upstream service (PagerDuty /services). Text is untrusted, kept as given."""

    upstream_id: str
    name: str
    description: str = ""
    status: str = ""
    upstream_url: str = ""
    team_id: str = ""  # the owning team's upstream id (OpsGenie's teamId, PagerDuty's first team)
    # The item as upstream sent it, for the Data library's record page only (never parsed there).
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class AccountRecord:
    """One user account of an upstream (PagerDuty /users, OpsGenie /v2/users): who has access
    to a critical system (PRODUCT 6). Text is untrusted, kept as given."""

    upstream_id: str
    email: str
    name: str
    # The upstream's role as it names it: "admin", "limited_user", "Owner", a custom role's name.
    role: str
    teams: tuple[str, ...] = ()
    # PagerDuty: invited, not yet accepted (invitation_sent).
    invitation_pending: bool = False
    # OpsGenie: blocked from signing in, and whether the email is verified (None elsewhere).
    blocked: bool = False
    verified: bool | None = None
    created_at: datetime | None = None
    upstream_url: str = ""


class AlertStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class AlertRecord:
    """One upstream alert (OpsGenie ``GET /v2/alerts`` item). Text is untrusted, kept as given
    (bounded); ``raw`` is the item itself, shown as the upstream sent it."""

    upstream_id: str
    tiny_id: str
    alias: str
    message: str
    status: AlertStatus
    acknowledged: bool
    is_seen: bool
    snoozed: bool
    count: int
    priority: str  # as upstream names it: "P1".."P5", or "" when it sent none
    source: str  # upstream's own "source" field (the monitor or integration that raised it)
    owner: str
    tags: tuple[str, ...]
    integration_name: str
    integration_type: str
    created_at: datetime
    updated_at: datetime | None
    last_occurred_at: datetime | None
    acknowledged_by: str
    closed_by: str
    # Milliseconds from creation to the first acknowledgement and to the close (report{}).
    ack_time_ms: int | None
    close_time_ms: int | None
    # A canonical JSON text of the upstream item (sorted keys): what the detail page shows and
    # what says whether anything changed.
    raw_json: str


# The Account columns' sizes (access/models.py): what an AccountRecord's text is cut to.
MAX_ACCOUNT_ID = 100
MAX_EMAIL = 254
MAX_ACCOUNT_NAME = 200
MAX_ROLE = 100
MAX_TEAM_NAME = 255


def account_email(value: object) -> str:
    """An upstream e-mail as given, or "" when there is none or it cannot be one (longer than
    an address may be): a cut address could match someone else's."""
    if not isinstance(value, str) or "@" not in value or len(value.strip()) > MAX_EMAIL:
        return ""
    return value.strip()


def team_names(names: object) -> tuple[str, ...]:
    """Distinct, non-empty team names, sorted, each bounded."""
    if not isinstance(names, list | tuple | set):
        return ()
    kept = {str(name)[:MAX_TEAM_NAME] for name in names if isinstance(name, str) and name}
    return tuple(sorted(kept, key=str.casefold))


class ListingTruncated(Exception):
    """A source could not read a whole listing (an upstream cap): the records it yielded are
    current, but nothing may be called deleted for being absent from it."""


def parse_upstream_time(value: object) -> datetime | None:
    """An ISO 8601 time with its offset, or None for anything else (missing, naive, garbage)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def safe_web_link(value: object) -> str:
    """An upstream link we will render as href: http(s) only (never javascript:, data:)."""
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value[:500]
    return ""
