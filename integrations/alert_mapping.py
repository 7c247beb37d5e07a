"""Transform: an Atlassian alert → AlertRecord. OpsGenie (``GET /v2/alerts``) and Jira Service
Management Operations (``GET /v1/alerts``, OpsGenie's successor) send alerts of one shape: id,
tinyId, alias, message, status, acknowledged, priority, createdAt, updatedAt, report... Both
providers map them here (provider packages never import each other)."""

from __future__ import annotations

import json
from typing import Any

from integrations.http import ErrorKind, UpstreamError
from integrations.records import AlertRecord, AlertStatus, parse_upstream_time

# The Alert columns' sizes (alerts/models.py); upstream limits are 130 (message), 512 (alias).
MAX_ALERT_ID = 200
MAX_ALERT_TEXT = 1000
MAX_ALERT_NAME = 255
MAX_ALERT_TAGS = 50
# A raw item this long is not an alert any upstream sends: refused rather than stored.
MAX_RAW_ALERT = 200_000


def alert_record(raw: Any) -> AlertRecord:
    """An alert (OpsGenie's ``GET /v2/alerts`` item, BaseAlert, or JSM Operations' ``GET
    /v1/alerts`` item, the same shape): its fields, bounded, and the item
    itself as canonical JSON."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise UpstreamError(ErrorKind.MALFORMED, message="an alert without an id")
    upstream_id = raw["id"][:MAX_ALERT_ID]
    created_at = parse_upstream_time(raw.get("createdAt"))
    if created_at is None:
        raise UpstreamError(
            ErrorKind.MALFORMED, message=f"alert {upstream_id[:40]} has no valid createdAt"
        )
    report = raw.get("report") if isinstance(raw.get("report"), dict) else {}
    integration = raw.get("integration") if isinstance(raw.get("integration"), dict) else {}
    tags = raw.get("tags") if isinstance(raw.get("tags"), list) else []
    raw_json = json.dumps(raw, sort_keys=True, ensure_ascii=False)
    if len(raw_json) > MAX_RAW_ALERT:
        raise UpstreamError(ErrorKind.MALFORMED, message=f"alert {upstream_id[:40]} is too large")
    status = str(raw.get("status") or "").lower()
    return AlertRecord(
        upstream_id=upstream_id,
        tiny_id=_text(raw.get("tinyId"), 50),
        alias=_text(raw.get("alias"), MAX_ALERT_TEXT),
        message=_text(raw.get("message"), MAX_ALERT_TEXT),
        # Anything but "closed" can still change: it is re-read as open.
        status=AlertStatus.CLOSED if status == "closed" else AlertStatus.OPEN,
        acknowledged=raw.get("acknowledged") is True,
        is_seen=raw.get("isSeen") is True,
        snoozed=raw.get("snoozed") is True,
        count=_count(raw.get("count")),
        priority=_text(raw.get("priority"), 10),
        source=_text(raw.get("source"), MAX_ALERT_NAME),
        owner=_text(raw.get("owner"), MAX_ALERT_NAME),
        tags=tuple(str(tag)[:MAX_ALERT_NAME] for tag in tags[:MAX_ALERT_TAGS] if tag),
        integration_name=_text(integration.get("name"), MAX_ALERT_NAME),
        integration_type=_text(integration.get("type"), MAX_ALERT_NAME),
        created_at=created_at,
        updated_at=parse_upstream_time(raw.get("updatedAt")),
        last_occurred_at=parse_upstream_time(raw.get("lastOccurredAt")),
        acknowledged_by=_text(report.get("acknowledgedBy"), MAX_ALERT_NAME),
        closed_by=_text(report.get("closedBy"), MAX_ALERT_NAME),
        ack_time_ms=_millis(report.get("ackTime")),
        close_time_ms=_millis(report.get("closeTime")),
        raw_json=raw_json,
    )


def _text(value: Any, limit: int) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value)[:limit]


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return 0
    return min(value, 2**31 - 1)


def _millis(value: Any) -> int | None:
    """A report duration in milliseconds; None for anything that is not one."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return min(value, 2**62)
