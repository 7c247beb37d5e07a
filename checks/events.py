"""What the engine tells the notification channels (lib/events.py): a check that starts failing
or recovers, and, for a check that declares an ``item_event``, each item that starts or stops
failing. Built here, emitted by ``engine.evaluate_check`` inside the transaction that records
the change, so an evaluation rolled back sends nothing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.urls import reverse

from checks.models import CheckStatus
from lib.checks import Check, FailingRow
from lib.events import Action, Event, EventType

# How many failing items a check's alert names; the count says how many more there are.
FIRST_ITEMS = 10


@dataclass(frozen=True)
class GoneItem:
    """An item that stopped failing, as it was stored (its label and page)."""

    key: str
    label: str
    url: str


def check_alias(check: Check) -> str:
    return f"check:{check.key}"


def item_alias(check: Check, item_key: str) -> str:
    return f"check:{check.key}:{item_key}"


def _check_link(check: Check) -> tuple[str, str]:
    return ("Check", reverse("checks:detail", kwargs={"key": check.key}))


def status_event(
    check: Check,
    *,
    before: str,
    after: str,
    failing: Sequence[FailingRow],
    checked: int,
) -> Event | None:
    """CHECK_FAILING when the status becomes failing (``before`` is "" on the first
    evaluation), CHECK_RECOVERED (a close of the same alias) when it stops; None otherwise:
    a change of the count alone is no news to the on-call team."""
    if after == CheckStatus.FAILING and before != CheckStatus.FAILING:
        return Event(
            type=EventType.CHECK_FAILING,
            alias=check_alias(check),
            message=f"Check failing: {check.title} ({_items(len(failing))})",
            description=_failing_description(check, failing, checked),
            entity=check.title,
            links=(_check_link(check),),
            details={
                "check": check.key,
                "failing items": str(len(failing)),
                "checked": str(checked),
            },
            tags=("check", check.topic),
            check_key=check.key,
        )
    if before == CheckStatus.FAILING and after != CheckStatus.FAILING:
        now = (
            "No item fails any more."
            if after == CheckStatus.PASSING
            else "The check no longer applies (nothing it checks is connected)."
        )
        return Event(
            type=EventType.CHECK_RECOVERED,
            alias=check_alias(check),
            message=f"Check recovered: {check.title}",
            description=f"{check.title}: {now}",
            entity=check.title,
            action=Action.CLOSE,
            links=(_check_link(check),),
            details={"check": check.key, "status": str(CheckStatus(after).label)},
            tags=("check", check.topic),
            check_key=check.key,
        )
    return None


def _items(count: int) -> str:
    return f"{count} failing item" + ("" if count == 1 else "s")


def _failing_description(check: Check, failing: Sequence[FailingRow], checked: int) -> str:
    lines = [f"{check.title}: {len(failing)} of {checked} checked failing.", ""]
    lines.append("First failing items:" if len(failing) > FIRST_ITEMS else "Failing items:")
    for row in failing[:FIRST_ITEMS]:
        lines.append(f"- {row.label}: {row.reason}")
    if len(failing) > FIRST_ITEMS:
        lines.append(f"… and {len(failing) - FIRST_ITEMS} more (the check's page lists them).")
    lines += ["", f"How to fix: {check.how_to_fix}"]
    return "\n".join(lines)


def item_events(
    check: Check, *, new: Iterable[FailingRow], gone: Iterable[GoneItem]
) -> list[Event]:
    """One open per item that started failing, one close per item that left."""
    if check.item_event is None:
        return []
    kind = check.item_event
    events = [
        Event(
            type=kind,
            alias=item_alias(check, row.item_key),
            message=f"{check.title}: {row.label}",
            description=f"{row.reason}\n\nHow to fix: {check.how_to_fix}",
            entity=row.label,
            links=_item_links(check, row.url),
            details={"check": check.key, "item": row.item_key, "source": row.source},
            tags=("check", check.topic),
            check_key=check.key,
        )
        for row in new
    ]
    events += [
        Event(
            type=kind,
            alias=item_alias(check, item.key),
            message=f"No longer failing: {item.label}",
            description=f"{item.label} no longer fails “{check.title}”.",
            entity=item.label,
            action=Action.CLOSE,
            links=_item_links(check, item.url),
            details={"check": check.key, "item": item.key},
            tags=("check", check.topic),
            check_key=check.key,
        )
        for item in gone
    ]
    return events


def _item_links(check: Check, url: str) -> tuple[tuple[str, str], ...]:
    return (("Item", url), _check_link(check)) if url else (_check_link(check),)
