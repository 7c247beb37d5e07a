"""Transform: a Jira work item (``GET /rest/api/3/search/jql`` item) → IncidentRecord.

- priority name: Highest/High → High, Medium → Medium, Low/Lowest → Low (a custom name: Unknown);
- status category Done → resolved, at ``resolutiondate``; any other category → open;
- the number is the work item's key (OPS-12), the link ``{site}/browse/{key}``;
- the OpsGenie tiny id and alias the work item carries, when it carries them, kept as the
  incident's external refs for the move from OpsGenie (where the migration records them is
  unconfirmed: custom fields named in settings, else labels ``opsgenie-tiny-<n>`` and
  ``opsgenie-alias-<alias>``);
- the impact's start and end, from the site's custom fields named in settings (JSM's incident
  template has no standard field for them: unconfirmed, so none is read unless named).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrations.http import ErrorKind, UpstreamError
from integrations.records import (
    IncidentRecord,
    IncidentStatus,
    Priority,
    parse_upstream_time,
    safe_web_link,
)

PRIORITIES = {
    "highest": Priority.HIGH,
    "high": Priority.HIGH,
    "medium": Priority.MEDIUM,
    "low": Priority.LOW,
    "lowest": Priority.LOW,
}
DONE = (
    "done"  # statusCategory.key of the Done category (To Do: "new", In Progress: "indeterminate")
)
# The fields every search asks for (the enhanced search returns only ids without ``fields``).
FIELDS = ("summary", "description", "priority", "status", "created", "updated", "resolutiondate")
LABELS = "labels"
# External refs' names (Incident.external_refs).
OPSGENIE_TINY_ID = "opsgenie_tiny_id"
OPSGENIE_ALIAS = "opsgenie_alias"
# Unconfirmed: the labels a migrated work item may carry (see the module's doc).
TINY_ID_LABEL = re.compile(r"opsgenie-tiny-(\d{1,20})", re.I)
ALIAS_LABEL = re.compile(r"opsgenie-alias-(\S{1,512})", re.I)
MAX_TITLE = 1000
MAX_DESCRIPTION = 20000
MAX_REF = 512


@dataclass(frozen=True)
class CustomFields:
    """Ids of a site's custom fields the mapping reads (``customfield_10050``…), each empty
    where the site has none: settings JSM_OPSGENIE_TINY_ID_FIELD, JSM_OPSGENIE_ALIAS_FIELD,
    JSM_IMPACT_START_FIELD and JSM_IMPACT_END_FIELD."""

    tiny_id: str = ""
    alias: str = ""
    impact_start: str = ""
    impact_end: str = ""

    def requested(self) -> list[str]:
        """The fields a search must ask for besides FIELDS."""
        return [f for f in (self.tiny_id, self.alias, self.impact_start, self.impact_end) if f]


NO_CUSTOM_FIELDS = CustomFields()


def incident_record(
    raw: Any, *, site_url: str, custom: CustomFields = NO_CUSTOM_FIELDS
) -> IncidentRecord:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str | int) or not raw["id"]:
        raise UpstreamError(ErrorKind.MALFORMED, message="a work item without an id")
    upstream_id = str(raw["id"])[:100]
    fields = raw.get("fields") if isinstance(raw.get("fields"), dict) else {}
    key = str(raw.get("key") or "")[:32]
    priority = _name(fields.get("priority"))
    status = fields.get("status") if isinstance(fields.get("status"), dict) else {}
    category = (
        status.get("statusCategory") if isinstance(status.get("statusCategory"), dict) else {}
    )
    done = str(category.get("key") or "").lower() == DONE
    created = parse_upstream_time(fields.get("created"))
    if created is None:
        raise UpstreamError(
            ErrorKind.MALFORMED, message=f"work item {upstream_id[:40]} has no valid created"
        )
    return IncidentRecord(
        upstream_id=upstream_id,
        number=key or upstream_id[:32],
        title=str(fields.get("summary") or "")[:MAX_TITLE],
        description=adf_text(fields.get("description"))[:MAX_DESCRIPTION],
        status=IncidentStatus.RESOLVED if done else IncidentStatus.OPEN,
        raw_status=_name(status)[:40],
        priority=PRIORITIES.get(priority.lower(), Priority.UNKNOWN),
        raw_priority=priority[:40],
        created_at=created,
        updated_at=parse_upstream_time(fields.get("updated")),
        resolved_at=parse_upstream_time(fields.get("resolutiondate")) if done else None,
        impact_start=_moment(fields, custom.impact_start),
        impact_end=_moment(fields, custom.impact_end),
        upstream_url=safe_web_link(f"{site_url}/browse/{key}") if key else "",
        external_refs=external_refs(fields, custom),
    )


def _moment(fields: dict[str, Any], field: str) -> datetime | None:
    """A date-time custom field's value (Jira writes ``2026-11-02T10:15:30.123+0000``); None
    where the field is not named, empty, or not a time."""
    value = fields.get(field) if field else None
    return parse_upstream_time(value) if isinstance(value, str) else None


def external_refs(
    fields: dict[str, Any], custom: CustomFields = NO_CUSTOM_FIELDS
) -> tuple[tuple[str, str], ...]:
    """The OpsGenie tiny id and alias the work item carries: from the configured custom fields
    first, else from its labels."""
    labels = fields.get(LABELS) if isinstance(fields.get(LABELS), list) else []
    found: dict[str, str] = {}
    for name, field, label in (
        (OPSGENIE_TINY_ID, custom.tiny_id, TINY_ID_LABEL),
        (OPSGENIE_ALIAS, custom.alias, ALIAS_LABEL),
    ):
        value = _text(fields.get(field)) if field else ""
        if not value:
            value = next(
                (m.group(1) for x in labels if isinstance(x, str) and (m := label.fullmatch(x))),
                "",
            )
        if value:
            found[name] = value[:MAX_REF]
    return tuple(sorted(found.items()))


def _name(value: Any) -> str:
    return str(value.get("name") or "") if isinstance(value, dict) else ""


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return _name(value) or (adf_text(value) if isinstance(value, dict) else "")
    return str(value).strip()


def adf_text(value: Any) -> str:
    """The plain text of an Atlassian Document Format value (API v3 descriptions), paragraphs on
    their own lines; a plain string as it is."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return ""
    return "\n".join(part for part in _blocks(value, depth=0) if part).strip()


BLOCKS = frozenset({"paragraph", "heading", "listItem", "codeBlock", "blockquote", "rule"})


def _blocks(node: dict[str, Any], *, depth: int) -> Iterator[str]:
    if depth > 40:  # a document nested deeper than any editor makes: stop rather than recurse
        return
    content = node.get("content") if isinstance(node.get("content"), list) else []
    if node.get("type") in BLOCKS or not any(
        isinstance(c, dict) and c.get("type") in BLOCKS for c in content
    ):
        yield _inline(node, depth=depth)
        return
    for child in content:
        if isinstance(child, dict):
            yield from _blocks(child, depth=depth + 1)


def _inline(node: dict[str, Any], *, depth: int) -> str:
    if depth > 40:
        return ""
    if node.get("type") == "text" and isinstance(node.get("text"), str):
        return node["text"]
    if node.get("type") == "hardBreak":
        return "\n"
    content = node.get("content") if isinstance(node.get("content"), list) else []
    parts = [_inline(child, depth=depth + 1) for child in content if isinstance(child, dict)]
    return "".join(parts)
