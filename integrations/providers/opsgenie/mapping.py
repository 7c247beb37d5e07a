"""Transform: OpsGenie incident JSON → IncidentRecord (reference/opsgenie-api.md §3.3), service
JSON → ServiceRecord, user JSON → AccountRecord (§5.1), alert JSON → AlertRecord (§4.1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

# Shared with JSM Operations, whose alerts have the same shape (tests import it from here).
from integrations.alert_mapping import alert_record as alert_record
from integrations.http import ErrorKind, UpstreamError
from integrations.records import (
    MAX_ACCOUNT_ID,
    MAX_ACCOUNT_NAME,
    MAX_ROLE,
    AccountRecord,
    IncidentRecord,
    IncidentStatus,
    Priority,
    ServiceRecord,
    account_email,
    parse_upstream_time,
    safe_web_link,
    team_names,
)

PRIORITIES = {
    "P1": Priority.HIGH,
    "P2": Priority.HIGH,
    "P3": Priority.MEDIUM,
    "P4": Priority.LOW,
    "P5": Priority.LOW,
}
STATUSES = {
    "open": IncidentStatus.OPEN,
    "resolved": IncidentStatus.RESOLVED,
    "closed": IncidentStatus.CLOSED,
}
# Keep every record's text bounded: upstream limits are 130 (message) and 15,000 (description).
MAX_TITLE = 1000
MAX_DESCRIPTION = 20000


def incident_record(raw: Any, *, service_names: dict[str, str] | None = None) -> IncidentRecord:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise UpstreamError(ErrorKind.MALFORMED, message="an incident without an id")
    raw_status = str(raw.get("status") or "")
    raw_priority = str(raw.get("priority") or "")
    status = STATUSES.get(raw_status.lower(), IncidentStatus.OPEN)
    impact_end = parse_upstream_time(raw.get("impactEndDate"))
    links = raw.get("links") if isinstance(raw.get("links"), dict) else {}
    services = raw.get("impactedServices") or []
    return IncidentRecord(
        upstream_id=raw["id"],
        number=str(raw.get("tinyId") or ""),
        title=str(raw.get("message") or "")[:MAX_TITLE],
        description=str(raw.get("description") or "")[:MAX_DESCRIPTION],
        status=status,
        raw_status=raw_status,
        priority=PRIORITIES.get(raw_priority.upper(), Priority.UNKNOWN),
        raw_priority=raw_priority,
        created_at=_required_time(raw.get("createdAt"), raw["id"]),
        updated_at=parse_upstream_time(raw.get("updatedAt")),
        # OpsGenie has no resolution timestamp; the impact end date is when it stopped hurting.
        resolved_at=impact_end if status != IncidentStatus.OPEN else None,
        impact_start=parse_upstream_time(raw.get("impactStartDate")),
        impact_end=impact_end,
        upstream_url=safe_web_link(links.get("web")),
        # Names when the key may read services, else OpsGenie's service ids.
        services=tuple((service_names or {}).get(s, s) for s in services if isinstance(s, str)),
        service_ids=tuple(s for s in services if isinstance(s, str)),
    )


def _required_time(value: Any, incident_id: str) -> datetime:
    parsed = parse_upstream_time(value)
    if parsed is None:
        raise UpstreamError(
            ErrorKind.MALFORMED, message=f"incident {incident_id[:40]} has no valid createdAt"
        )
    return parsed


MAX_SERVICE_ID = 100
MAX_SERVICE_NAME = 255


def service_record(raw: Any) -> ServiceRecord:
    """An OpsGenie service (``GET /v1/services`` item: id, name, description, teamId,
    links.web)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise UpstreamError(ErrorKind.MALFORMED, message="a service without an id")
    upstream_id = raw["id"][:MAX_SERVICE_ID]
    links = raw.get("links") if isinstance(raw.get("links"), dict) else {}
    return ServiceRecord(
        upstream_id=upstream_id,
        name=str(raw.get("name") or upstream_id)[:MAX_SERVICE_NAME],
        description=str(raw.get("description") or "")[:MAX_DESCRIPTION],
        upstream_url=safe_web_link(links.get("web")),
        team_id=raw["teamId"][:MAX_SERVICE_ID] if isinstance(raw.get("teamId"), str) else "",
        raw=raw,
    )


def account_record(raw: Any, *, teams: Mapping[str, Sequence[str]] | None = None) -> AccountRecord:
    """An OpsGenie user (``GET /v2/users`` item): ``username`` is the e-mail, the role is an
    object whose ``name`` is the built-in role or the custom role's name. ``teams`` maps user
    ids (or usernames) to the names of their teams, read from the teams' members."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise UpstreamError(ErrorKind.MALFORMED, message="a user without an id")
    upstream_id = raw["id"][:MAX_ACCOUNT_ID]
    username = raw.get("username") if isinstance(raw.get("username"), str) else ""
    email = account_email(username)
    role = raw.get("role")
    # A plain string is taken as the role's name too.
    role_name = (role.get("name") or role.get("id")) if isinstance(role, dict) else role
    teams = teams or {}
    verified = raw.get("verified")
    links = raw.get("links") if isinstance(raw.get("links"), dict) else {}
    return AccountRecord(
        upstream_id=upstream_id,
        email=email,
        name=str(raw.get("fullName") or username or upstream_id)[:MAX_ACCOUNT_NAME],
        role=str(role_name or "")[:MAX_ROLE],
        teams=team_names([*teams.get(raw["id"], ()), *teams.get(username, ())]),
        blocked=raw.get("blocked") is True,
        verified=verified if isinstance(verified, bool) else None,
        created_at=parse_upstream_time(raw.get("createdAt")),
        upstream_url=safe_web_link(links.get("web")),
    )
