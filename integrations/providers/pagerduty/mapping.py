"""Transform: PagerDuty incident JSON → IncidentRecord (reference §3.2, PRODUCT 3.5), service
JSON → ServiceRecord (§4.1), user JSON → AccountRecord (§4.2)."""

from __future__ import annotations

from typing import Any

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

# Triggered and acknowledged incidents are open (PRODUCT 3.5).
STATUSES = {
    "triggered": IncidentStatus.OPEN,
    "acknowledged": IncidentStatus.OPEN,
    "resolved": IncidentStatus.RESOLVED,
}
# Priority names are per account; the default scheme is P1..P5 (same mapping as OpsGenie).
PRIORITY_NAMES = {
    "P1": Priority.HIGH,
    "P2": Priority.HIGH,
    "P3": Priority.MEDIUM,
    "P4": Priority.LOW,
    "P5": Priority.LOW,
}
URGENCIES = {"high": Priority.HIGH, "low": Priority.LOW}
MAX_TITLE = 1000
MAX_DESCRIPTION = 20000
# The ProviderService columns' sizes.
MAX_SERVICE_ID = 100
MAX_SERVICE_NAME = 255
MAX_SERVICE_STATUS = 20


def incident_record(raw: Any) -> IncidentRecord:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise UpstreamError(ErrorKind.MALFORMED, message="an incident without an id")
    raw_status = str(raw.get("status") or "")
    status = STATUSES.get(raw_status, IncidentStatus.OPEN)
    priority, raw_priority = _priority(raw)
    created_at = parse_upstream_time(raw.get("created_at"))
    if created_at is None:
        raise UpstreamError(
            ErrorKind.MALFORMED, message=f"incident {raw['id'][:40]} has no valid created_at"
        )
    resolved_at = (
        parse_upstream_time(raw.get("resolved_at")) if status != IncidentStatus.OPEN else None
    )
    service = raw.get("service") if isinstance(raw.get("service"), dict) else {}
    title = str(raw.get("title") or raw.get("summary") or "")
    description = str(raw.get("description") or "")
    return IncidentRecord(
        upstream_id=raw["id"],
        number=str(raw.get("incident_number") or ""),
        title=title[:MAX_TITLE],
        # Often the title again (reference §3.2): kept only when it says more.
        description=(description if description != title else "")[:MAX_DESCRIPTION],
        status=status,
        raw_status=raw_status,
        priority=priority,
        raw_priority=raw_priority,
        created_at=created_at,
        updated_at=parse_upstream_time(raw.get("updated_at") or raw.get("last_status_change_at")),
        resolved_at=resolved_at,
        # PagerDuty has no impact dates: the incident's own life stands for them (PRODUCT 3.5).
        impact_start=created_at,
        impact_end=resolved_at,
        upstream_url=safe_web_link(raw.get("html_url")),
        services=(str(service["summary"]),) if service.get("summary") else (),
        service_ids=(service["id"],) if isinstance(service.get("id"), str) else (),
    )


def _priority(raw: dict[str, Any]) -> tuple[Priority, str]:
    """The priority's name when set and known, else the urgency (PRODUCT 3.5)."""
    priority = raw.get("priority")
    name = ""
    if isinstance(priority, dict):
        name = str(priority.get("summary") or priority.get("name") or "")
    if name.upper() in PRIORITY_NAMES:
        return PRIORITY_NAMES[name.upper()], name
    urgency = str(raw.get("urgency") or "")
    mapped = URGENCIES.get(urgency, Priority.UNKNOWN)
    return mapped, name or (f"urgency {urgency}" if urgency else "")


def service_record(raw: Any) -> ServiceRecord:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise UpstreamError(ErrorKind.MALFORMED, message="a service without an id")
    upstream_id = raw["id"][:MAX_SERVICE_ID]
    return ServiceRecord(
        upstream_id=upstream_id,
        name=str(raw.get("name") or raw.get("summary") or upstream_id)[:MAX_SERVICE_NAME],
        description=str(raw.get("description") or "")[:MAX_DESCRIPTION],
        status=str(raw.get("status") or "")[:MAX_SERVICE_STATUS],
        upstream_url=safe_web_link(raw.get("html_url")),
        team_id=_first_team_id(raw)[:MAX_SERVICE_ID],
        raw=raw,
    )


def _first_team_id(raw: dict[str, Any]) -> str:
    """The id of the first team a service names (``teams``: references), "" when none."""
    teams = raw.get("teams")
    first = teams[0] if isinstance(teams, list) and teams else None
    return first["id"] if isinstance(first, dict) and isinstance(first.get("id"), str) else ""


def account_record(raw: Any) -> AccountRecord:
    """A PagerDuty user (``GET /users`` item): its role as the API names it, an invitation
    still outstanding, and its teams, full objects with ``include[]=teams`` or references."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise UpstreamError(ErrorKind.MALFORMED, message="a user without an id")
    upstream_id = raw["id"][:MAX_ACCOUNT_ID]
    email = account_email(raw.get("email"))
    teams = raw.get("teams") if isinstance(raw.get("teams"), list) else []
    return AccountRecord(
        upstream_id=upstream_id,
        email=email,
        name=str(raw.get("name") or raw.get("summary") or email or upstream_id)[:MAX_ACCOUNT_NAME],
        role=str(raw.get("role") or "")[:MAX_ROLE],
        teams=team_names([t.get("name") or t.get("summary") for t in teams if isinstance(t, dict)]),
        invitation_pending=raw.get("invitation_sent") is True,
        # Not in the SPEC's user fields (reference §4.2): read when an answer has it.
        created_at=parse_upstream_time(raw.get("created_at")),
        upstream_url=safe_web_link(raw.get("html_url")),
    )
