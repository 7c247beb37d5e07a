"""A critical system's valid access type changing, told to the notification channels
(lib/events.py) inside the transaction that saves it, with what changed (before → after)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.urls import reverse

from access.models import AccessType, CriticalSystem
from lib.events import Event, EventType, emit

# An org role's rule: the upstream roles it may hold (empty: any).
Rules = Mapping[str, Sequence[str]]


def _roles(upstream: Sequence[str]) -> str:
    return ", ".join(upstream) if upstream else "any upstream role"


def rule_changes(before: Rules, after: Rules) -> list[str]:
    """Each org role added, removed or given other upstream roles, in name order."""
    lines = []
    for name in sorted(set(before) | set(after)):
        if name not in before:
            lines.append(f"{name}: may now have an account ({_roles(after[name])})")
        elif name not in after:
            lines.append(f"{name}: may no longer have an account")
        elif sorted(before[name]) != sorted(after[name]):
            lines.append(f"{name}: {_roles(before[name])} → {_roles(after[name])}")
    return lines


def emit_access_rules_changed(
    system: CriticalSystem,
    *,
    type_before: str,
    rules_before: Rules,
    rules_after: Rules,
    by: str,
) -> None:
    """Nothing when the save changed nothing."""
    type_after = system.access_type
    lines = []
    if type_before != type_after:
        lines.append(
            f"Valid access type: {AccessType(type_before).label} → {AccessType(type_after).label}"
        )
    rules = rule_changes(rules_before, rules_after)
    if rules:
        lines += ["Org roles that may have an account:", *(f"- {line}" for line in rules)]
    if not lines:
        return
    emit(
        Event(
            type=EventType.ACCESS_RULES_CHANGED,
            alias=f"critical-system:{system.pk}:access-rules",
            message=f"Valid access to {system.name} changed: {AccessType(type_after).label}",
            description=f"{by} changed who may have an account on {system.name}; the access "
            "checks were re-evaluated.\n\n" + "\n".join(lines),
            entity=system.name,
            links=(("Critical system", reverse("access:system", kwargs={"system": system.pk})),),
            details={
                "system": system.name,
                "valid access type": f"{AccessType(type_before).label} → "
                f"{AccessType(type_after).label}",
                "by": by,
            },
            tags=("access", system.connection.provider),
        )
    )
